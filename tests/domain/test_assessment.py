"""The assessment as typed data: its JSON round-trips, keeps the intake exactly as read, and
assessments written before the typed core still load."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import EXAMPLES, NOW, ROOT, load_example
from hypothesis import given, settings
from strategies import intakes

from assess.definitions.intake import validate_intake
from assess.definitions.questionnaire import questionnaire
from assess.domain.assessment import Assessment, Client, Intake, Measurement
from assess.services.pipeline import assess_intake

OLD = ROOT / "tests" / "fixtures" / "assessment_0_1_0_deadlift.json"


STEMS = [p.stem for p in EXAMPLES]


@pytest.mark.parametrize("name", STEMS)
def test_the_json_round_trips(name: str) -> None:
    a = assess_intake(load_example(name), now=NOW)
    text = a.to_json()
    again = Assessment.model_validate_json(text)
    assert again == a and again.to_json() == text


@pytest.mark.parametrize("name", STEMS)
def test_the_intake_is_kept_as_it_was_read(name: str) -> None:
    doc = load_example(name)
    read = validate_intake(doc).model_dump(mode="json", exclude_unset=True)
    a = assess_intake(doc, now=NOW)
    assert isinstance(a.intake, Intake)
    assert a.intake.model_dump(mode="json") == read


def test_a_side_not_tested_stays_null_and_an_absent_field_stays_absent() -> None:
    m = Measurement.model_validate({"left": None, "right": 12.0})
    assert m.model_dump() == {"left": None, "right": 12.0}
    assert m.right == 12.0 and m.left is None and m.method is None
    intake = Intake.model_validate({"answers": {"name": "A"}, "measurements": {"hip_extension": None}})
    assert intake.model_dump() == {"answers": {"name": "A"}, "measurements": {"hip_extension": None}}
    assert intake.measured() == {}


def test_the_client_is_what_the_questionnaire_identifies() -> None:
    assert tuple(Client.model_fields) == questionnaire().identifies


def test_an_assessment_written_before_the_typed_core_loads_and_writes_back_the_same() -> None:
    text = OLD.read_text(encoding="utf-8")
    a = Assessment.model_validate_json(text)
    assert a.client.name == "Sam Carter" and a.client.age == 34
    assert a.identity.ruleset.name == "hip-lbp"
    assert a.intake.measured()["hip_extension"].left == -6.0
    assert json.loads(a.to_json()) == json.loads(text)


@settings(max_examples=60, deadline=None)
@given(intakes())
def test_the_json_is_the_text_it_always_was(doc: dict[str, Any]) -> None:
    """Stored documents and their sha256 keep one text: pydantic's writer must agree with the
    json.dumps text the store has held from the start, for any intake."""
    a = assess_intake(doc, now=NOW)
    data = a.model_dump(mode="json")
    for key in ("review", "decisions"):
        if not data[key]:
            del data[key]
    assert a.to_json() == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
