"""The `assess` command as a user meets it: exit codes, messages, outputs, documentation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, load_example
from pypdf import PdfReader
from typer.testing import CliRunner

from assess.cli import app
from assess.questionnaire import battery, questionnaire

runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert f"assess {name}" in readme, f"README does not document `assess {name}`"
        assert "Example:" in (command.callback.__doc__ or ""), f"{name} --help has no example"


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout.startswith("assess ")


def test_demo_writes_a_valid_pdf(tmp_path: Path) -> None:
    pdf = tmp_path / "plan.pdf"
    result = invoke("demo", "-o", str(pdf))
    assert result.exit_code == 0, result.output
    assert PdfReader(pdf).pages and "Limited hip extension" in result.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["plan.pdf"]
    umask = os.umask(0)
    os.umask(umask)
    assert pdf.stat().st_mode & 0o777 == 0o666 & ~umask


def test_run_writes_pdf_and_json(tmp_path: Path) -> None:
    pdf, js = tmp_path / "p.pdf", tmp_path / "a.json"
    result = invoke("run", str(ROOT / "examples" / "overextension.yaml"), "-o", str(pdf), "--json", str(js))
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["plan"]["referral"] is False and data["identity"]["ruleset"]["name"] == "hip-lbp"
    assert data["audit"]["firings"][0]["order"] == 1


@pytest.mark.parametrize("content, message", [
    ("", "the file is empty"),
    ("answers: [1, 2\n", "not valid YAML"),
    ("answers:\n  age: 34\n  age: 35\n", "duplicate key 'age'"),
    ("- a list\n", "expected a mapping of fields"),
])
def test_bad_input_exits_2_names_the_problem_and_writes_nothing(tmp_path: Path, content: str,
                                                               message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    pdf, js = tmp_path / "out.pdf", tmp_path / "out.json"
    result = invoke("run", str(bad), "-o", str(pdf), "--json", str(js))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output + result.stderr
    assert not pdf.exists() and not js.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_invalid_fields_are_all_named(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["pain_now"] = 12
    doc["measurements"]["hip_extension"]["left"] = 400
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    result = invoke("run", str(bad), "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 2
    assert "measurements.hip_extension.left: 400 is above the maximum of 40 deg" in result.stderr
    assert "answers.pain_now: 12 is above the maximum of 10" in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = invoke("run", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_schema_is_json_schema() -> None:
    result = invoke("schema")
    schema = json.loads(result.stdout)
    assert schema["title"] == "Intake" and "answers" in schema["required"]


def test_rules_catalogue_matches_docs() -> None:
    generated = invoke("rules", "--format", "md").stdout
    assert generated == (ROOT / "docs" / "rules.md").read_text(), (
        "docs/rules.md is stale: run `uv run assess rules --format md > docs/rules.md`")
    listed = json.loads(invoke("rules", "--format", "json").stdout)["rules"]
    from assess.knowledge import load_knowledge

    assert {r["id"] for r in listed} == {r.id for r in load_knowledge().rules}
    for rule_id in {r["id"] for r in listed}:
        assert rule_id in generated


def test_explain_shows_how_and_why_not(tmp_path: Path) -> None:
    js = tmp_path / "a.json"
    invoke("run", str(ROOT / "examples" / "hinge_after_injury.yaml"), "-o", str(tmp_path / "p.pdf"),
           "--json", str(js))
    how = invoke("explain", str(js), "--exercise", "bodyweight_hip_hinge")
    assert how.exit_code == 0 and "HOW" in how.stdout and "RX-HNG-01" in how.stdout
    assert "hinge_dowel_contact" in how.stdout
    why = invoke("explain", str(js), "--exercise", "jefferson_curl")
    assert "WHY NOT" in why.stdout and "PRE-BI-01" in why.stdout
    full = invoke("explain", str(js))
    assert full.exit_code == 0 and "rule firings" in full.stdout
    bad = invoke("explain", str(js), "--exercise", "moonwalk")
    assert bad.exit_code == 2


def _scripted_answers(doc: dict[str, Any]) -> list[str]:
    """The lines a person would type to answer `doc` in the interactive intake."""
    answers = doc["answers"]
    lines: list[str] = []
    for item in questionnaire().answerable():
        if not item.enabled(answers):
            continue
        value = answers.get(item.linkId)
        if item.type == "group":
            for row in value or []:
                lines += ["y", *[str(row[c.linkId]) for c in item.item]]
            if len(value or []) < (item.maxRepeats or 5):
                lines.append("n")
        elif value is None:
            lines.append("")
        elif item.type == "boolean":
            lines.append("y" if value else "n")
        elif isinstance(value, list):
            lines.append(",".join(value))
        else:
            lines.append(str(value))
    lines.append("y")  # add measurements now
    for test in battery().tests:
        entry = doc["measurements"].get(test.id, {})
        for side in (("left", "right") if test.bilateral else ("value",)):
            v = entry.get(side)
            lines.append("" if v is None else ("y" if v is True else "n" if v is False else str(v)))
    return lines


def test_interactive_intake_end_to_end(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    lines = _scripted_answers(doc)
    # A person mistypes: each invalid answer is re-asked with the reason.
    age_at = lines.index("34")
    lines[age_at:age_at] = ["forty", "300"]
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output[-2000:]
    assert "please give a whole number" in result.stdout
    assert "300 is above the maximum of 110" in result.stdout
    written = yaml.safe_load(out.read_text())
    assert written["answers"] == {k: v for k, v in doc["answers"].items()}
    assert written["measurements"]["hip_extension"] == {"left": -6.0, "right": 4.0}
    run = invoke("run", str(out), "-o", str(tmp_path / "p.pdf"))
    assert run.exit_code == 0, run.output


def _answers_until(doc: dict[str, Any], link_id: str) -> list[str]:
    """The typed lines up to and including the answer to `link_id`."""
    lines = _scripted_answers(doc)
    asked = [i.linkId for i in questionnaire().answerable() if i.enabled(doc["answers"])]
    # Each item is one line here (the examples' PSFS rows come after the red flags).
    return lines[: asked.index(link_id) + 1]


def test_an_emergency_answer_is_shown_at_once_and_the_person_may_stop(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["rf_bladder_bowel"] = True
    lines = _answers_until(doc, "rf_bladder_bowel")
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), input="\n".join([*lines, "n"]) + "\n")
    assert result.exit_code == 0, result.output[-1500:]
    warning = result.stdout.index("Emergency - today: Go to an emergency department today")
    # At once: before the next question is asked.
    next_question = questionnaire().by_id()["rf_saddle_numbness"].text
    assert next_question not in result.stdout[:warning]
    assert next_question not in result.stdout
    assert "Stopped; nothing was written" in result.stdout and not out.exists()


def test_after_an_emergency_the_rest_is_recorded_for_the_clinician(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["rf_bladder_bowel"] = True
    lines = _scripted_answers(doc)
    cut = len(_answers_until(doc, "rf_bladder_bowel"))
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), input="\n".join([*lines[:cut], "y", *lines[cut:]]) + "\n")
    assert result.exit_code == 0, result.output[-1500:]
    assert "Remember: Emergency - today" in result.stdout
    run = invoke("run", str(out), "-o", str(tmp_path / "letter.pdf"))
    assert run.exit_code == 0 and "Referral (Emergency - today)" in run.stdout


def test_input_that_ends_early_is_bad_input_not_a_fault(tmp_path: Path) -> None:
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), input="Jo\n41\n")
    assert result.exit_code == 2
    assert "the input ended before the questionnaire was finished" in result.stderr
    assert "internal fault" not in result.stderr and not out.exists()


def test_measurements_can_be_added_later(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    lines = _scripted_answers(doc)
    first = tmp_path / "intake.yaml"
    answers_only = lines[: lines.index("y", len(lines) - 1 - sum(
        2 if t.bilateral else 1 for t in battery().tests))]
    invoke("intake", "-o", str(first), input="\n".join([*answers_only, "n"]) + "\n")
    assert "measurements" not in yaml.safe_load(first.read_text())
    measured = lines[len(answers_only) + 1:]
    result = invoke("intake", "--measurements", str(first), input="\n".join(measured) + "\n")
    assert result.exit_code == 0, result.output[-1500:]
    assert yaml.safe_load(first.read_text())["measurements"]["hip_ir_prone"]["left"] == 24.0


def test_help_does_not_import_weasyprint_or_experta() -> None:
    code = ("import sys; from assess.cli import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in ('weasyprint', 'experta', 'pydantic') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
