"""Intake validation: every problem at once, each by its path; strict types and ranges."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, load_example
from hypothesis import given
from hypothesis import strategies as st
from strategies import intakes

from assess.definitions.intake import validate_intake
from assess.definitions.questionnaire import battery, questionnaire
from assess.domain.errors import InvalidInput
from assess.files.intake_io import dump_intake, parse_intake_text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_valid(path: Path) -> None:
    validate_intake(yaml.safe_load(path.read_text()), source=path.name)


def problems(doc: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as info:
        validate_intake(doc)
    return {p.path: p.message for p in info.value.problems}


def test_all_problems_are_reported_at_once_each_by_path(intake: Any) -> None:
    doc = intake(answers={"pain_now": 11, "age": "forty", "bogus": 1},
                 measurements={"hip_extension": {"left": 400, "right": 2}})
    found = problems(doc)
    assert found["measurements.hip_extension.left"] == "400 is above the maximum of 40 deg"
    assert found["answers.pain_now"] == "11 is above the maximum of 10"
    assert found["answers.age"].startswith("expected a whole number")
    assert found["answers.bogus"] == "unknown field"


def test_a_missing_side_is_named(intake: Any) -> None:
    found = problems(intake(measurements={"hip_extension": {"left": 5}}))
    assert found == {"measurements.hip_extension.right": "required"}


def test_required_only_when_enabled(intake: Any) -> None:
    found = problems(intake(answers={"back_injury": True}))
    assert found == {"answers.back_injury_when": "required"}
    found = problems(intake(answers={"back_injury": False, "back_injury_when": "over_12_months"}))
    assert "answers.back_injury_when" in found and "not asked" in found["answers.back_injury_when"]


def test_exclusive_option_cannot_be_combined(intake: Any) -> None:
    found = problems(intake(answers={"equipment": ["none", "barbell"]}))
    assert "cannot be combined" in found["answers.equipment"]


NUMERIC = [(i.linkId, i.minValue, i.maxValue) for i in questionnaire().answerable()
           if i.type in ("integer", "decimal")]
ANGLES = [(t.id, t.min, t.max, t.bilateral) for t in battery().tests if t.type == "decimal"]


@given(st.sampled_from(NUMERIC), st.integers(1, 10_000), st.booleans())
def test_out_of_range_answers_are_rejected_by_path(field: tuple[str, float, float], by: int,
                                                   above: bool) -> None:
    link, low, high = field
    doc = copy.deepcopy(load_example("deadlift_lockout"))
    doc["answers"][link] = int(high + by) if above else int(low - by)
    found = problems(doc)
    assert f"answers.{link}" in found
    assert ("above the maximum" if above else "below the minimum") in found[f"answers.{link}"]


@given(st.sampled_from(ANGLES), st.floats(0.5, 1e6), st.booleans(), st.sampled_from(["left", "right"]))
def test_out_of_range_measurements_are_rejected_by_path(test: tuple[str, float, float, bool],
                                                        by: float, above: bool, side: str) -> None:
    test_id, low, high, bilateral = test
    doc = copy.deepcopy(load_example("deadlift_lockout"))
    key = side if bilateral else "value"
    doc["measurements"][test_id][key] = high + by if above else low - by
    found = problems(doc)
    assert f"measurements.{test_id}.{key}" in found
    assert "deg" in found[f"measurements.{test_id}.{key}"]


WRONG = st.one_of(st.text(min_size=1, max_size=5), st.lists(st.integers(), max_size=2),
                  st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.floats(allow_nan=False))
FIELDS = [i.linkId for i in questionnaire().answerable()]


@given(st.sampled_from(FIELDS), WRONG)
def test_wrong_types_are_rejected_by_path(link: str, value: Any) -> None:
    doc = copy.deepcopy(load_example("deadlift_lockout"))
    item = questionnaire().by_id()[link]
    if item.type == "string" and isinstance(value, str):
        return  # text is the right type for a text item
    if item.type == "decimal" and isinstance(value, float):
        return
    if item.type == "choice" and value in (item.answerOption or ()):
        return
    if item.type == "group" and value == []:
        return  # no activities named: a valid, empty repeating group
    doc["answers"][link] = value
    found = problems(doc)
    assert any(path.startswith(f"answers.{link}") for path in found), found


@given(intakes())
def test_valid_intakes_round_trip(doc: dict[str, Any]) -> None:
    first = validate_intake(doc).model_dump(mode="json", exclude_unset=True)
    as_yaml = parse_intake_text(dump_intake(first), source="x", as_json=False)
    as_json = parse_intake_text(json.dumps(first), source="x", as_json=True)
    assert validate_intake(as_yaml).model_dump(mode="json", exclude_unset=True) == first
    assert validate_intake(as_json).model_dump(mode="json", exclude_unset=True) == first
