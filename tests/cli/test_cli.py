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

from assess.cli.commands import app

runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert f"assess {name}" in readme, f"README does not document `assess {name}`"
        assert "Example:" in (command.callback.__doc__ or ""), f"{name} --help has no example"


def test_the_readme_quick_start_runs_in_order_and_again(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first commands, as a newcomer types them: in order, and a second time."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("Then, in a\ncheckout:", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].split()[3:] for line in block.splitlines()
                if line.startswith("uv run assess ")]
    assert [c[0] for c in commands] == ["demo", "run", "explain"], commands
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        for args in commands:
            args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
            result = invoke(*args)
            assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "plan.pdf").exists() and (tmp_path / "assessment.json").exists()


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
    assert schema["title"].startswith("Hip and low back intake") and "answers" in schema["required"]
    assert schema["$schema"].endswith("2020-12/schema")


def test_rules_catalogue_matches_docs() -> None:
    generated = invoke("rules", "--format", "md").stdout
    assert generated == (ROOT / "docs" / "rules.md").read_text(), (
        "docs/rules.md is stale: run `uv run assess rules --format md > docs/rules.md`")
    listed = json.loads(invoke("rules", "--format", "json").stdout)["rules"]
    from assess.definitions.knowledge import load_knowledge

    assert {r["id"] for r in listed} == {r.id for r in load_knowledge().rules}
    for rule_id in {r["id"] for r in listed}:
        assert rule_id in generated


def test_explain_shows_how_and_why_not(tmp_path: Path) -> None:
    js = tmp_path / "a.json"
    invoke("run", str(ROOT / "examples" / "hinge_after_injury.yaml"), "-o", str(tmp_path / "p.pdf"),
           "--json", str(js))
    how = invoke("explain", str(js), "--exercise", "bodyweight_hip_hinge")
    assert how.exit_code == 0 and "HOW" in how.stdout and "RX-HNG-01" in how.stdout
    assert "dowel keeps three points of contact no" in " ".join(how.stdout.split())
    why = invoke("explain", str(js), "--exercise", "jefferson_curl")
    assert "WHY NOT" in why.stdout and "PRE-BI-01" in why.stdout
    full = invoke("explain", str(js))
    assert full.exit_code == 0 and "rule firings" in full.stdout
    bad = invoke("explain", str(js), "--exercise", "moonwalk")
    assert bad.exit_code == 2


def test_help_does_not_import_weasyprint_experta_or_fhir() -> None:
    code = ("import sys; from assess.cli.commands import app; from typer.testing import CliRunner; "
            "CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in ('weasyprint', 'experta', 'pydantic', 'fhir') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
