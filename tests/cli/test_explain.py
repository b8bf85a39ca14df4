"""`assess explain` as a clinician meets it: readable, bounded, safe on any text, and faithful to
the trail recorded when the assessment was made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT, load_example
from typer.testing import CliRunner

from assess.cli.commands import app

runner = CliRunner()


def explain(*args: str) -> Any:
    return runner.invoke(app, ["explain", *args], catch_exceptions=False)


def _assess(tmp_path: Path, intake: dict[str, Any] | Path, name: str = "a") -> Path:
    src = intake if isinstance(intake, Path) else tmp_path / f"{name}.yaml"
    if not isinstance(intake, Path):
        src.write_text(yaml.safe_dump(intake))
    js = tmp_path / f"{name}.json"
    result = runner.invoke(app, ["run", str(src), "-o", str(tmp_path / f"{name}.pdf"),
                                 "--json", str(js), "--force"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    return js


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_explain_fits_in_a_few_screens(tmp_path: Path, example: Path) -> None:
    js = _assess(tmp_path, example)
    result = explain(str(js))
    assert result.exit_code == 0
    # About five 50-line screens at the 80 columns of a plain terminal (and a few lines for what
    # the precautions left out, each with the precaution that removed it).
    assert len(result.stdout.splitlines()) <= 260, len(result.stdout.splitlines())
    assert "Prescribe side=" not in result.stdout  # clinician words, not raw facts


def test_how_names_the_finding_its_value_method_norm_rule_and_seed(tmp_path: Path) -> None:
    js = _assess(tmp_path, ROOT / "examples" / "deadlift_lockout.yaml")
    out = " ".join(explain(str(js), "--exercise", "hip_ir_ext_pails_rails").stdout.split())
    assert "Prescribed by RX-EXT-01" in out and "Limited hip extension (both sides)" in out
    assert ("Hip extension (left) -6 deg, prone, against the norm below 0 deg "
            "(hip_extension_prone_limited)") in out
    assert "[FND-EXT-01" in out
    # The seed is cited by its title, not its file name.
    assert "Hip Mobility for Back Pain, Running, Deadlifts & Glute Amnesia" in out
    assert "000_1d58fdaded3b6ee7" not in out


def test_why_not_is_grouped_and_limited_to_what_relates_to_the_client(tmp_path: Path) -> None:
    js = _assess(tmp_path, ROOT / "examples" / "hinge_after_injury.yaml")
    short, full = explain(str(js)).stdout, explain(str(js), "--all").stdout
    assert "WHY NOT - Left out for safety" in short and "jefferson_curl" in short
    # Overextension work treats what this client does not have: only with --all.
    assert "bracing_crunch" not in short and "bracing_crunch" in full
    assert "--all lists them" in short
    a = json.loads(js.read_text())
    unrelated = [w for w in a["audit"]["why_not"] if not w["related"]]
    assert unrelated and all(w["kind"] in ("pattern_missing", "later_stage") for w in unrelated)


def test_a_name_with_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["name"] = "Sam [/] Carter [bold red]x[/bold red]"
    js = _assess(tmp_path, doc)
    result = explain(str(js))
    assert result.exit_code == 0
    assert "Sam [/] Carter [bold red]x[/bold red]" in result.stdout


def test_an_assessment_from_an_earlier_rule_set_is_explained_from_its_own_trail(tmp_path: Path) -> None:
    js = _assess(tmp_path, ROOT / "examples" / "deadlift_lockout.yaml")
    text = js.read_text()
    # An earlier rule set: rule ids and exercise ids that today's rules do not have, a
    # different hash, and none of the rule notes that newer assessments record.
    text = text.replace("RX-EXT-01", "RX-HXT-91").replace("hip_ir_ext_pails_rails", "old_ir_drill")
    a = json.loads(text)
    a["identity"]["ruleset"]["sha256"] = "0" * 64
    for key in ("rules", "exercise_sources", "words"):
        a["audit"].pop(key)
    js.write_text(json.dumps(a))
    result = explain(str(js))
    assert result.exit_code == 0, result.stdout
    out = " ".join(result.stdout.split())
    assert "the rule set has changed since this assessment" in out
    assert "RX-HXT-91" in out
    one = explain(str(js), "--exercise", "old_ir_drill")
    assert one.exit_code == 0 and "RX-HXT-91" in one.stdout


def test_exercise_by_name_and_a_typo_gets_a_suggestion(tmp_path: Path) -> None:
    js = _assess(tmp_path, ROOT / "examples" / "hinge_after_injury.yaml")
    by_name = explain(str(js), "--exercise", "jefferson curl")
    assert by_name.exit_code == 0 and "WHY NOT" in by_name.stdout and "jefferson_curl" in by_name.stdout
    typo = explain(str(js), "--exercise", "jeferson_curl")
    said = " ".join(typo.stdout.split() + typo.stderr.split())
    assert typo.exit_code == 2 and "did you mean jefferson_curl" in said
    listed = explain(str(js), "--list")
    assert listed.exit_code == 0 and "bodyweight_hip_hinge" in listed.stdout
