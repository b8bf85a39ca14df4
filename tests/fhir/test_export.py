"""`assess fhir export`: an assessment (a JSON file, or stored, by id) as a transaction Bundle
valid against HL7's R4 schema, with no made-up code in a standard system, every reference
resolving inside it, and accepted again by `assess run` to the same plan."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from codes_used import made_up
from conftest import EXAMPLES, ROOT
from fhir_schema import r4_problems
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.domain.assessment import Assessment

STEMS = [p.stem for p in EXAMPLES]
runner = CliRunner()


def _run(intake: Path, js: Path, *more: str) -> Assessment:
    result = runner.invoke(
        app, ["run", str(intake), "-o", str(js.with_suffix(".pdf")), "--json", str(js), *more]
    )
    assert result.exit_code == 0, result.output
    return Assessment.model_validate_json(js.read_text())


def _export(source: str, out: Path, *more: str) -> dict[str, Any]:
    result = runner.invoke(app, ["fhir", "export", source, "-o", str(out), *more])
    assert result.exit_code == 0, result.output
    bundle: dict[str, Any] = json.loads(out.read_text())
    return bundle


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


@pytest.mark.parametrize("name", STEMS)
def test_an_assessment_exports_and_runs_again_to_the_same_plan(name: str, tmp_path: Path) -> None:
    a = _run(ROOT / "examples" / f"{name}.yaml", tmp_path / "a.json")
    bundle = _export(str(tmp_path / "a.json"), tmp_path / "bundle.json")
    assert bundle["type"] == "transaction"
    assert r4_problems(bundle) == [] and made_up(bundle) == []
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds["Patient"] == kinds["QuestionnaireResponse"] == kinds["Provenance"] == 1
    assert all(
        e["request"] == {"method": "POST", "url": e["resource"]["resourceType"]} for e in bundle["entry"]
    )
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert set(_references(bundle)) <= urls  # every reference is to a resource in the Bundle
    by_kind = {
        k: [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == k] for k in kinds
    }
    patient = by_kind["Patient"][0]
    assert set(patient) <= {"resourceType", "name", "gender"} and patient["name"][0]["text"] == a.client.name
    if a.plan.referral:
        assert "CarePlan" not in kinds
        request = by_kind["ServiceRequest"][0]
        assert (
            request["priority"]
            == {"emergency": "stat", "urgent": "urgent", "soon": "routine"}[
                a.plan.referral_detail.urgency if a.plan.referral_detail else ""
            ]
        )
    else:
        plan = by_kind["CarePlan"][0]
        exercises = [e.id for block in a.plan.blocks for e in block.exercises]
        assert [x["detail"]["code"]["coding"][0]["code"] for x in plan.get("activity", [])] == exercises
        doses = [f"{e.dose}, {e.frequency}" for block in a.plan.blocks for e in block.exercises]
        assert [
            x["detail"]["description"][: len(d)] for x, d in zip(plan.get("activity", []), doses, strict=True)
        ] == doses
    provenance = by_kind["Provenance"][0]
    said = json.dumps(provenance)
    assert a.identity.ruleset.sha256 in said and a.identity.ruleset.version in said
    fired = {f.rule for f in a.audit.firings}
    named = {x["what"]["identifier"]["value"] for x in provenance["entity"] if "identifier" in x["what"]}
    assert fired <= named
    measured = sum(
        len([s for s in ("left", "right", "value") if s in m.model_dump(exclude_unset=True)])
        for m in a.intake.measured().values()
    )
    assert sum(1 for o in by_kind.get("Observation", []) if "rom-test" in json.dumps(o["code"])) == measured
    # The Bundle runs again, as it is, to the same findings and plan.
    again = _run(tmp_path / "bundle.json", tmp_path / "again.json")
    assert again.findings == a.findings and again.plan == a.plan and again.intake == a.intake


def test_the_same_assessment_exports_to_the_same_bundle(tmp_path: Path) -> None:
    _run(ROOT / "examples" / "hinge_after_injury.yaml", tmp_path / "a.json")
    first = (tmp_path / "one.json", tmp_path / "two.json")
    assert _export(str(tmp_path / "a.json"), first[0]) == _export(str(tmp_path / "a.json"), first[1])


def test_a_stored_assessment_exports_by_its_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _run(ROOT / "examples" / "red_flag.yaml", tmp_path / "a.json", "--save", "--db", url)
    from sqlalchemy import select

    from assess.store.database import open_store
    from assess.store.tables import assessments

    with open_store(url).connect() as conn:
        stored_id = conn.execute(select(assessments.c.id)).scalar_one()
    bundle = _export(stored_id[:8], tmp_path / "b.json", "--db", url)
    request = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"
    )
    assert request["priority"] == "stat" and "emergency" in request["note"][0]["text"].lower()


def test_an_unknown_id_or_a_file_that_is_not_an_assessment_exits_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["fhir", "export", "abcd1234", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert missing.exit_code == 2 and "no assessment" in missing.output
    intake = runner.invoke(app, ["fhir", "export", str(ROOT / "examples" / "red_flag.yaml")])
    assert intake.exit_code == 2 and "not an assessment" in intake.output
