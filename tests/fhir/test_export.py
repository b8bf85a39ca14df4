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


def test_a_stored_client_exports_with_identifiers_and_is_created_only_once(tmp_path: Path) -> None:
    """The Patient carries the record's NHS number, the store's id and the birth date; a second
    export asks the server to create it only when none has that identifier (ifNoneExist), so it
    is not duplicated; the clinician and the clinic are Practitioner and Organization, referenced
    as author, requester and performer; the Bundle has an identifier and a timestamp."""
    from assess.store.accounts import add_clinician
    from assess.store.clinic import set_clinic
    from assess.store.database import open_store
    from assess.store.people import NewClient, add_client

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    who = add_clinician(engine, "jphysio", "J. Physio", "correct horse battery", profession="Physiotherapist",
                        registration="PH123456")
    set_clinic(engine, "admin", name="Riverside Physiotherapy", emergency_number="999", phone="0113 496 0000")
    with engine.begin() as conn:
        client = add_client(conn, NewClient("Sam Carter", "1990-05-01", phone="0113 496 0001",
                                            identifier_kind="nhs", identifier_value="943 476 5919"),
                            by="J. Physio", owner_id=who.id)
    _run(ROOT / "examples" / "deadlift_lockout.yaml", tmp_path / "a.json", "--save", "--db", url,
         "--client", client.id, "--by", "jphysio")
    from sqlalchemy import select

    from assess.store.tables import assessments

    with engine.connect() as conn:
        stored_id = conn.execute(select(assessments.c.id)).scalar_one()
    first = _export(stored_id, tmp_path / "b1.json", "--db", url)
    second = _export(stored_id, tmp_path / "b2.json", "--db", url)
    assert r4_problems(first) == []
    assert first["identifier"]["value"].startswith("urn:uuid:") and first["timestamp"]
    by_type = {e["resource"]["resourceType"]: e for e in first["entry"]}
    patient = by_type["Patient"]
    assert patient["resource"]["birthDate"] == "1990-05-01"
    nhs = {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}
    assert nhs in patient["resource"]["identifier"]
    assert patient["request"]["ifNoneExist"] == "identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919"
    # The second export is the same transaction: the server's conditional create finds the first.
    assert [e["request"] for e in second["entry"]] == [e["request"] for e in first["entry"]]
    practitioner, organization = by_type["Practitioner"], by_type["Organization"]
    assert practitioner["request"]["ifNoneExist"].endswith(who.id)
    assert {"system": "https://assess.example.org/fhir/sid/professional-registration", "value": "PH123456"} \
        in practitioner["resource"]["identifier"]
    assert organization["resource"]["name"] == "Riverside Physiotherapy"
    careplan = by_type["CarePlan"]["resource"]
    assert careplan["author"] == {"reference": practitioner["fullUrl"]}
    assert {"reference": organization["fullUrl"]} in careplan["contributor"]
    # Every reference resolves inside the Bundle, and the Bundle still runs to the same plan.
    urls = {e["fullUrl"] for e in first["entry"]}
    assert set(_references(first)) <= urls
    again = _run(tmp_path / "b1.json", tmp_path / "again.json")
    assert again.plan == Assessment.model_validate_json((tmp_path / "a.json").read_text()).plan
