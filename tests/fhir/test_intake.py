"""A FHIR QuestionnaireResponse (alone, or in a Bundle with its Observations) as an intake: an
intake -> FHIR -> intake is identical for every example and for random intakes; a bad response
exits 2 naming each problem by its linkId, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from codes_used import made_up
from conftest import EXAMPLES, ROOT, load_example
from fhir_schema import r4_problems
from hypothesis import given, settings
from strategies import intakes
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.definitions.intake import validate_intake
from assess.definitions.questionnaire import battery, questionnaire
from assess.domain.errors import InvalidInput
from assess.fhir.incoming import fhir_intake
from assess.fhir.observations import observations_of
from assess.fhir.responses import response_of

STEMS = [p.stem for p in EXAMPLES]


def as_fhir(doc: dict[str, Any]) -> dict[str, Any]:
    """The intake as a collection Bundle: its QuestionnaireResponse and Observations, through JSON."""
    resources = [response_of(questionnaire(), doc), *observations_of(battery(), doc)]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
    loaded: dict[str, Any] = json.loads(json.dumps(bundle, default=str))
    return loaded


def _as_read(doc: dict[str, Any]) -> dict[str, Any]:
    read: dict[str, Any] = validate_intake(doc).model_dump(mode="json", exclude_unset=True)
    return read


@pytest.mark.parametrize("name", STEMS)
def test_an_example_comes_back_identical(name: str) -> None:
    doc = load_example(name)
    bundle = as_fhir(doc)
    assert r4_problems(bundle) == [] and made_up(bundle) == []
    assert _as_read(fhir_intake(bundle, name)) == _as_read(doc)


@settings(max_examples=40, deadline=None)
@given(intakes())
def test_any_intake_comes_back_identical(doc: dict[str, Any]) -> None:
    assert _as_read(fhir_intake(as_fhir(doc), "random")) == _as_read(doc)


def _item(items: list[dict[str, Any]], link_id: str) -> dict[str, Any]:
    for it in items:
        if it["linkId"] == link_id:
            return it
        if (found := _item(it.get("item", []), link_id)) is not None:
            return found
    return None  # type: ignore[return-value]


def _bad(tmp_path: Path, change: Any) -> tuple[int, str, Path]:
    qr = response_of(questionnaire(), load_example("deadlift_lockout"))
    change(qr)
    given_path = tmp_path / "response.json"
    given_path.write_text(json.dumps(qr))
    out = tmp_path / "plan.pdf"
    result = CliRunner().invoke(app, ["run", str(given_path), "-o", str(out)])
    return result.exit_code, result.output, out


def _wrong_link(qr: dict[str, Any]) -> None:
    _item(qr["item"], "pain_now")["linkId"] = "pain_today"


def _wrong_type(qr: dict[str, Any]) -> None:
    _item(qr["item"], "age")["answer"] = [{"valueString": "forty"}]


def _missing(qr: dict[str, Any]) -> None:
    _item(qr["item"], "rf_fever").pop("answer")


def _unknown_option(qr: dict[str, Any]) -> None:
    _item(qr["item"], "pain_side")["answer"] = [{"valueCoding": {"code": "up"}}]


def _not_finished(qr: dict[str, Any]) -> None:
    qr["status"] = "in-progress"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            _wrong_link,
            ["item pain_today: is not an item of questionnaire hip-lbp-intake", "item pain_now: required"],
        ),
        (_wrong_type, ["item age: expected valueInteger (a whole number), got valueString"]),
        (_missing, ["item rf_fever: required"]),
        (_unknown_option, ["item pain_side: 'up' is not one of its codes"]),
        (_not_finished, ["QuestionnaireResponse.status: is 'in-progress'"]),
    ],
)
def test_a_bad_response_exits_2_naming_the_link_id(tmp_path: Path, change: Any, said: list[str]) -> None:
    code, output, out = _bad(tmp_path, change)
    assert code == 2 and "Traceback" not in output
    for words in said:
        assert words in " ".join(output.split())
    assert not out.exists()


def test_a_value_the_model_refuses_is_named_by_its_link_id() -> None:
    qr = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [{"linkId": "about", "item": [{"linkId": "age", "answer": [{"valueInteger": "x"}]}]}],
    }
    with pytest.raises(InvalidInput) as caught:
        fhir_intake(qr, "qr.json")
    assert caught.value.problems[0].path == "item age.answer.0.valueInteger"


def test_a_bundle_needs_one_response_and_other_resources_are_refused_plainly() -> None:
    with pytest.raises(InvalidInput, match="exactly one QuestionnaireResponse"):
        fhir_intake({"resourceType": "Bundle", "type": "collection", "entry": []}, "b.json")
    with pytest.raises(InvalidInput, match="expected a QuestionnaireResponse or a Bundle"):
        fhir_intake({"resourceType": "Patient"}, "p.json")


def test_batch_reads_fhir_intakes_beside_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(as_fhir(load_example("hinge_after_injury"))))
    (folder / "b.yaml").write_text((ROOT / "examples" / "overextension.yaml").read_text())
    result = CliRunner().invoke(app, ["batch", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == ["a.pdf", "b.pdf"]
