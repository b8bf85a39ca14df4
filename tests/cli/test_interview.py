"""`assess intake` as a person meets it: every answer checked as typed, nothing existing lost,
red flags shown at once, a review before saving, and Ctrl-C that offers to save for later."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from conftest import ROOT, load_example
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.definitions.questionnaire import battery, questionnaire

runner = CliRunner()


def invoke(*args: str, lines: list[str] | None = None) -> Any:
    text = None if lines is None else "\n".join(lines) + "\n"
    return runner.invoke(app, list(args), input=text, catch_exceptions=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def answer_lines(doc: dict[str, Any], until: str | None = None) -> list[str]:
    """The lines a person types to answer `doc`'s questionnaire (up to and including `until`)."""
    answers = doc["answers"]
    lines: list[str] = []
    for item in questionnaire().answerable():
        if not item.enabled(answers):
            continue
        value = answers.get(item.linkId)
        if item.type == "group":
            for row in value or []:
                lines += ["y", *[_value(row[c.linkId]) for c in item.item]]
            if len(value or []) < (item.maxRepeats or 5):
                lines.append("n")
        else:
            lines.append("" if value is None else _value(value))
        if item.linkId == until:
            break
    return lines


def measurement_lines(doc: dict[str, Any]) -> list[str]:
    lines = [doc.get("clinician", "")]
    if doc.get("clinician"):
        lines.append(doc.get("clinician_contact", ""))  # how a doctor reaches them
    for test in battery().tests:
        entry = (doc.get("measurements") or {}).get(test.id) or {}
        sides = ("left", "right") if test.bilateral else ("value",)
        values = [entry.get(side) for side in sides]
        lines += ["" if v is None else _value(v) for v in values]
        if any(v is not None for v in values):
            if test.methods:
                lines.append(entry.get("method", ""))
            if len(test.instrument) > 1:
                lines.append(entry.get("instrument", ""))
    return lines


def full_script(doc: dict[str, Any]) -> list[str]:
    return [str(doc["date"]), *answer_lines(doc), "y", *measurement_lines(doc), "s"]


def test_interactive_intake_end_to_end(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    lines = full_script(doc)
    # A person mistypes: each invalid answer is re-asked with the reason.
    age_at = lines.index("34")
    lines[age_at:age_at] = ["forty", "300"]
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), lines=lines)
    assert result.exit_code == 0, result.output[-2000:]
    assert "please give a whole number" in result.stdout
    assert "300 is above the maximum of 110" in result.stdout
    assert "== Your answers ==" in result.stdout
    written = yaml.safe_load(out.read_text())
    assert written["answers"] == doc["answers"]
    assert written["date"] == str(doc["date"]) and written["clinician"] == "A. Physio"
    assert written["questionnaire"] == f"{questionnaire().id}/{questionnaire().version}"
    assert written["measurements"]["hip_extension"] == {"left": -6.0, "right": 4.0, "method": "prone",
                                                         "instrument": "goniometer"}
    run = invoke("run", str(out), "-o", str(tmp_path / "p.pdf"))
    assert run.exit_code == 0, run.output


def test_an_existing_file_is_replaced_only_when_confirmed(tmp_path: Path) -> None:
    out = tmp_path / "intake.yaml"
    out.write_text("keep me\n")
    result = invoke("intake", "-o", str(out), lines=["n"])
    assert result.exit_code == 0 and "exists. Replace it?" in result.stdout
    assert "Nothing was written" in result.stdout and out.read_text() == "keep me\n"


def test_the_review_screen_lets_the_person_change_an_answer(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    lines = [str(doc["date"]), *answer_lines(doc), "n"]
    asked = [i.linkId for i in questionnaire().answerable() if i.linkId in doc["answers"]]
    number = asked.index("pain_now") + 1
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), lines=[*lines, str(number), "5", "s"])
    assert result.exit_code == 0, result.output[-1500:]
    assert yaml.safe_load(out.read_text())["answers"]["pain_now"] == 5


def test_quitting_from_the_review_writes_nothing(tmp_path: Path) -> None:
    doc = load_example("nothing_wrong")
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), lines=[str(doc["date"]), *answer_lines(doc), "n", "q"])
    assert result.exit_code == 0 and "Nothing was written" in result.stdout and not out.exists()


def test_an_emergency_answer_is_shown_at_once_and_the_person_may_stop(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["rf_bladder_bowel"] = True
    out = tmp_path / "intake.yaml"
    lines = [str(doc["date"]), *answer_lines(doc, until="rf_bladder_bowel"), "n", "n"]
    result = invoke("intake", "-o", str(out), lines=lines)
    assert result.exit_code == 0, result.output[-1500:]
    warning = result.stdout.index("Emergency - today: Go to an emergency department today")
    # At once: before the next question is asked, and it is never asked.
    next_question = questionnaire().by_id()["rf_saddle_numbness"].text
    assert next_question not in result.stdout
    assert "Save the answers so far for your clinician?" in result.stdout[warning:]
    assert "Nothing was written" in result.stdout and not out.exists()


def test_after_an_emergency_the_rest_is_recorded_for_the_clinician(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["rf_bladder_bowel"] = True
    script = full_script(doc)
    cut = 1 + len(answer_lines(doc, until="rf_bladder_bowel"))
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), lines=[*script[:cut], "y", *script[cut:]])
    assert result.exit_code == 0, result.output[-1500:]
    assert "Remember: Emergency - today" in result.stdout
    run = invoke("run", str(out), "-o", str(tmp_path / "letter.pdf"))
    assert run.exit_code == 0 and "Referral (Emergency - today)" in run.stdout


def test_a_stop_after_a_red_flag_can_be_saved_and_finished_later(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["rf_bladder_bowel"] = True
    out = tmp_path / "intake.yaml"
    first = [str(doc["date"]), *answer_lines(doc, until="rf_bladder_bowel"), "n", "y"]
    assert invoke("intake", "-o", str(out), lines=first).exit_code == 0
    saved = yaml.safe_load(out.read_text())
    assert saved["partial"]["next"] == "rf_bladder_bowel"
    refused = invoke("run", str(out), "-o", str(tmp_path / "p.pdf"))
    assert refused.exit_code == 2 and "saved part-way" in refused.stderr
    rest = answer_lines(doc)[len(answer_lines(doc, until="rf_bladder_bowel")) - 1:]
    finished = invoke("intake", "--resume", str(out), lines=[*rest[:1], "y", *rest[1:], "n", "s"])
    assert finished.exit_code == 0, finished.output[-1500:]
    assert "partial" not in yaml.safe_load(out.read_text())


def test_input_that_ends_early_is_bad_input_not_a_fault(tmp_path: Path) -> None:
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), lines=["", "Jo", "41"])
    assert result.exit_code == 2
    assert "the input ended before the questionnaire was finished" in result.stderr
    assert "internal fault" not in result.stderr and not out.exists()


def test_measurements_show_current_values_and_enter_keeps_them(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    path = tmp_path / "intake.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    keep_all = edit_lines(doc, {})  # Enter everywhere: every current value kept
    result = invoke("intake", "--measurements", str(path), lines=[*keep_all, "s"])
    assert result.exit_code == 0, result.output[-1500:]
    assert "[Enter keeps -6]" in result.stdout and "[Enter keeps prone]" in result.stdout
    assert "[Enter keeps goniometer]" in result.stdout
    assert yaml.safe_load(path.read_text())["measurements"] == doc["measurements"]


def edit_lines(doc: dict[str, Any], changes: dict[tuple[str, str], str]) -> list[str]:
    """What a clinician types in --measurements to keep every current value (Enter) except
    `changes` ((test, side) -> typed text; "-" removes a value)."""
    lines = [""]  # the clinician's name: kept
    if doc.get("clinician"):
        lines.append("")  # and their contact
    for test in battery().tests:
        entry = (doc.get("measurements") or {}).get(test.id) or {}
        sides = ("left", "right") if test.bilateral else ("value",)
        typed = [changes.get((test.id, side), "") for side in sides]
        lines += typed
        after = [None if t == "-" else (t or entry.get(side)) for t, side in zip(typed, sides, strict=True)]
        if any(v is not None for v in after):
            lines += [""] * ((1 if test.methods else 0) + (1 if len(test.instrument) > 1 else 0))
    return lines


def test_measurements_can_be_changed_and_cleared(tmp_path: Path) -> None:
    doc = load_example("deadlift_lockout")
    path = tmp_path / "intake.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    lines = edit_lines(doc, {("hip_extension", "left"): "-10", ("hip_ir_prone", "left"): "-",
                             ("hip_ir_prone", "right"): "-"})
    result = invoke("intake", "--measurements", str(path), lines=[*lines, "s"])
    assert result.exit_code == 0, result.output[-1500:]
    m = yaml.safe_load(path.read_text())["measurements"]
    assert m["hip_extension"]["left"] == -10 and m["hip_extension"]["method"] == "prone"
    assert "hip_ir_prone" not in m


def test_comments_that_saving_would_drop_are_pointed_out(tmp_path: Path) -> None:
    path = tmp_path / "intake.yaml"
    text = (ROOT / "examples" / "deadlift_lockout.yaml").read_text()
    path.write_text(text)
    result = invoke("intake", "--measurements", str(path), lines=["n"])
    assert "has comments; saving rewrites it without them" in result.stdout
    assert path.read_text() == text


def test_the_date_defaults_to_today(tmp_path: Path) -> None:
    doc = load_example("nothing_wrong")
    out = tmp_path / "intake.yaml"
    result = invoke("intake", "-o", str(out), lines=["", *answer_lines(doc), "n", "s"])
    assert result.exit_code == 0, result.output[-1500:]
    assert yaml.safe_load(out.read_text())["date"] == dt.date.today().isoformat()
