"""`assess fhir questionnaire`: the intake and the battery as R4 Questionnaires, valid against
HL7's R4 schema and fhir.resources' R4B model, holding every item as ours has it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from codes_used import made_up
from fhir_schema import r4_problems
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.definitions.questionnaire import battery, questionnaire
from assess.fhir.codes import BASE
from assess.fhir.questionnaires import battery_questionnaire, intake_questionnaire


def _flat(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for it in items:
        out[it["linkId"]] = it
        out |= _flat(it.get("item", []))
    return out


def _ext(item: dict[str, Any], name: str) -> Any:
    found = [e for e in item.get("extension", []) if e["url"].endswith(name)]
    return next(iter(v for k, v in found[0].items() if k.startswith("value"))) if found else None


@pytest.mark.parametrize("which", ["intake", "battery"])
def test_the_command_writes_a_valid_r4_questionnaire(which: str, tmp_path: Path) -> None:
    out = tmp_path / f"{which}.json"
    result = CliRunner().invoke(app, ["fhir", "questionnaire", which, "-o", str(out)])
    assert result.exit_code == 0, result.output
    q = json.loads(out.read_text())
    assert q["resourceType"] == "Questionnaire" and q["status"] == "active"
    definition = questionnaire() if which == "intake" else battery()
    assert (q["id"], q["version"]) == (definition.id, definition.version)
    assert q["url"] == f"{BASE}/Questionnaire/{definition.id}"
    assert r4_problems(q) == [] and made_up(q) == []
    again = CliRunner().invoke(app, ["fhir", "questionnaire", which, "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output  # nothing replaced unasked


def test_every_intake_item_keeps_its_type_options_conditions_and_limits() -> None:
    q = questionnaire()
    exported = _flat(intake_questionnaire(q)["item"])
    for it in q.answerable():
        if not it.asked_in(q.version):
            assert it.linkId not in exported  # a retired item is read from older files, never asked
            continue
        fhir = exported[it.linkId]
        if it.unsure:  # yes, no or not sure: a choice in FHIR
            assert fhir["type"] == "choice"
            assert [o["valueCoding"]["code"] for o in fhir["answerOption"]] == ["yes", "no", "not_sure"]
            continue
        assert fhir["type"] == ("text" if it.multiline else it.type)
        assert fhir["required"] is it.required and fhir.get("repeats", False) is it.repeats
        assert fhir.get("maxLength") == it.maxLength
        assert _ext(fhir, "/minValue") == it.minValue and _ext(fhir, "/maxValue") == it.maxValue
        assert _ext(fhir, "questionnaire-maxOccurs") == it.maxRepeats
        options = [o["valueCoding"]["code"] for o in fhir.get("answerOption", [])]
        assert options == list(it.answerOption or [])
        exclusive = [o["valueCoding"]["code"] for o in fhir.get("answerOption", []) if o.get("extension")]
        assert exclusive == ([it.exclusiveOption] if it.exclusiveOption else [])
        conditions = [
            (
                c["question"],
                c["operator"],
                next(v["code"] if isinstance(v, dict) else v for k, v in c.items() if k.startswith("answer")),
            )
            for c in fhir.get("enableWhen", [])
        ]
        ours = [(c.question, c.operator, c.answer) for c in it.enableWhen]
        # "!=" holds only for an answered question: said as "exists" beside it, for renderers
        # that would enable the item while the question is unanswered.
        if it.enableBehavior == "all":
            asked = dict.fromkeys(c.question for c in it.enableWhen if c.operator == "!=")
            ours += [(name, "exists", True) for name in asked]
        assert conditions == ours
    # pain_side is asked only when the pain is somewhere.
    assert exported["pain_side"]["enableWhen"][0]["answerCoding"]["code"] == "none"
    assert exported["pain_now"]["code"][0] == {
        "system": "http://loinc.org",
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    }


def test_the_battery_has_each_test_with_its_sides_units_methods_and_instruments() -> None:
    b = battery()
    exported = _flat(battery_questionnaire(b)["item"])
    for test in b.tests:
        sides = ("left", "right") if test.bilateral else ("value",)
        for side in sides:
            item = exported[f"{test.id}.{side}"]
            # A neurological grade (normal, reduced, absent) is a choice.
            assert item["type"] == ("choice" if test.type == "grade" else test.type)
            if test.type == "grade":
                grades = [o["valueCoding"]["code"] for o in item["answerOption"]]
                assert grades == ["normal", "reduced", "absent"]
            if test.type == "decimal":
                assert _ext(item, "questionnaire-unit")["code"] == "deg"
                assert (_ext(item, "/minValue"), _ext(item, "/maxValue")) == (test.min, test.max)
        methods = [
            o["valueCoding"]["code"] for o in exported.get(f"{test.id}.method", {}).get("answerOption", [])
        ]
        assert methods == list(test.methods)
        stopped = [o["valueCoding"]["code"]
                   for o in exported.get(f"{test.id}.stopped_at_limit", {}).get("answerOption", [])]
        assert stopped == (["left", "right"] if test.stoppable else [])
        assert [o["valueCoding"]["code"] for o in exported[f"{test.id}.instrument"]["answerOption"]] == list(
            test.instrument
        )
