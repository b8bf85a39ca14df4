"""`assess schema` describes what `assess run` accepts: the same files pass and fail both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import EXAMPLES, ROOT
from golden import case_paths, intake_of, load_case
from hypothesis import given
from strategies import intakes

from assess.definitions.intake import validate_intake
from assess.definitions.intake_schema import intake_schema
from assess.domain.errors import InvalidInput
from assess.files.intake_io import read_document

SCHEMA = intake_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
BAD = sorted((ROOT / "tests" / "bad_inputs").iterdir())


def _run_accepts(doc: Any) -> bool:
    try:
        validate_intake(doc)
    except InvalidInput:
        return False
    return True


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", [*EXAMPLES, *BAD], ids=lambda p: p.name)
def test_schema_and_run_agree(path: Path) -> None:
    try:
        data, _ = read_document(path)
        doc = json.loads(json.dumps(data, default=str))
    except (InvalidInput, ValueError):
        pytest.skip("not a document at all: refused before any schema applies")
    assert VALIDATOR.is_valid(doc) == _run_accepts(doc), (
        [e.message for e in VALIDATOR.iter_errors(doc)][:5])


@pytest.mark.parametrize("path", case_paths(), ids=lambda p: p.stem)
def test_every_golden_case_is_valid_by_the_schema(path: Path) -> None:
    doc = json.loads(json.dumps(intake_of(load_case(path)), default=str))
    assert _run_accepts(doc)
    assert VALIDATOR.is_valid(doc), [e.message for e in VALIDATOR.iter_errors(doc)][:5]


@given(intakes())
def test_every_valid_random_intake_is_valid_by_the_schema(doc: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(doc, default=str))
    assert VALIDATOR.is_valid(doc), [e.message for e in VALIDATOR.iter_errors(doc)][:5]


def test_required_answers_are_required_and_titled_by_their_question() -> None:
    assert not VALIDATOR.is_valid({"answers": {}})
    answers = SCHEMA["$defs"]["Answers"]
    assert "rf_fever" in answers["required"]
    fever = answers["properties"]["rf_fever"]
    # Yes, no or not sure: a boolean or the one string "not_sure".
    assert {"type": "boolean"} in fever["anyOf"] and {"const": "not_sure", "type": "string"} in fever["anyOf"]
    assert "default" not in fever
    assert fever["title"].startswith("Have you had a fever")


def test_a_question_asked_only_after_an_answer_is_required_only_then() -> None:
    doc = json.loads(json.dumps(intake_of({"base": "nothing_wrong"}), default=str))
    doc["answers"]["pain_locations"] = ["low_back"]
    doc["answers"].pop("pain_side", None)
    assert not VALIDATOR.is_valid(doc) and not _run_accepts(doc)
    doc["answers"]["pain_locations"] = ["none"]
    assert VALIDATOR.is_valid(doc) == _run_accepts(doc)
