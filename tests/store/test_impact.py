"""`assess impact`: stored plans re-run on a candidate rule set; referrals lost come first and
make the exit code 3; nothing is written to the store."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, ROOT, load_example
from sqlalchemy import text
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.services.impact import compare, run_impact
from assess.services.pipeline import assess_intake
from assess.services.render import Rendered
from assess.store.database import open_store
from assess.store.records import save_assessment, stored_intakes

runner = CliRunner()
BOTH_LEGS = "    when: [{answer: rf_both_legs, is: true}]"


def _candidate(tmp_path: Path) -> Path:
    """The bundled rules, except that symptoms in both legs refer only with a gait change too."""
    rules = tmp_path / "candidate"
    shutil.copytree(ROOT / "rules", rules)
    screening = rules / "screening.yaml"
    assert BOTH_LEGS in screening.read_text()
    screening.write_text(screening.read_text().replace(
        BOTH_LEGS, "    when: [{answer: rf_both_legs, is: true}, {answer: rf_gait, is: true}]"))
    return rules


def _intake(name: str, **answers: Any) -> dict[str, Any]:
    doc = copy.deepcopy(load_example("deadlift_lockout"))
    doc["answers"].update(name=name, **answers)
    return doc


def _save(store_url: str, doc: dict[str, Any]) -> str:
    a = assess_intake(doc, now=NOW)
    done = Rendered(assessment=a, pdf=b"%PDF-1.7 stand-in\n%%EOF", json_bytes=a.to_json().encode())
    return save_assessment(open_store(store_url), a, json_bytes=done.json_bytes, pdf=done.pdf,
                           recorded_by="tester").assessment_id


def test_compare_names_what_changed_and_the_rules() -> None:
    old = assess_intake(_intake("A", rf_both_legs=True), now=NOW)
    new = assess_intake(_intake("A"), now=NOW)
    lost = compare("x", old, new)
    assert lost.referral_lost and not lost.referral_gained and lost.referral_rules == ["RF-CES-04"]
    assert lost.added and all(rules for rules in lost.added.values())
    gained = compare("x", new, old)
    assert gained.referral_gained and gained.removed and gained.referral_rules == ["RF-CES-04"]
    assert not compare("x", new, new).changed


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_same_changes_with_one_worker_or_two(store_url: str, tmp_path: Path, jobs: int) -> None:
    ids = {_save(store_url, _intake(f"C{n}", rf_both_legs=n % 2 == 0)) for n in range(6)}
    stream = stored_intakes(open_store(store_url), batch=2)
    changes = list(run_impact(stream, _candidate(tmp_path), jobs=jobs))
    assert {c.assessment for c in changes} == ids
    assert sorted(c.client for c in changes if c.referral_lost) == ["C0", "C2", "C4"]
    assert not [c for c in changes if c.changed and not c.referral_lost]


def test_the_command_lists_referrals_lost_first_and_exits_3(store_url: str, tmp_path: Path) -> None:
    unchanged = _save(store_url, _intake("Kept"))
    lost = _save(store_url, _intake("Lost", rf_both_legs=True))
    report = tmp_path / "impact.json"
    before = _rows(store_url)
    result = runner.invoke(app, ["impact", "--rules", str(_candidate(tmp_path)), "--db", store_url,
                                 "--json", str(report), "--jobs", "1"])
    assert result.exit_code == 3, result.output
    assert "REFERRAL LOST" in result.output and "RF-CES-04" in result.output
    data = json.loads(report.read_text())
    assert (data["assessments"], data["changed"], data["referrals_lost"]) == (2, 1, 1)
    assert data["changes"][0]["assessment"] == lost and unchanged not in result.output
    assert _rows(store_url) == before  # nothing written to the store
    same = runner.invoke(app, ["impact", "--rules", str(ROOT / "rules"), "--db", store_url, "--jobs", "1"])
    assert same.exit_code == 0 and "0 of 2 stored plan(s) would change" in same.output


def test_a_broken_candidate_rule_set_is_named_and_exits_2(store_url: str, tmp_path: Path) -> None:
    rules = _candidate(tmp_path)
    (rules / "norms.yaml").write_text("nonsense: [\n")
    result = runner.invoke(app, ["impact", "--rules", str(rules), "--db", store_url])
    assert result.exit_code == 2 and "norms.yaml" in result.output and "Traceback" not in result.output


def _rows(store_url: str) -> dict[str, int]:
    with open_store(store_url).connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("clients", "visits", "intakes", "assessments", "pdfs")}
