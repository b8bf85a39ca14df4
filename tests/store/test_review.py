"""A review visit from the command line, on SQLite and PostgreSQL: the update is laid over the
last visit, the stage moves by its re-test, the PDF gains a progress page, and the visit is
saved; a bad update, a stray re-test or an unknown client is exit 2 with nothing saved."""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml
from conftest import ROOT
from pypdf import PdfReader
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from assess.cli.commands import app

runner = CliRunner()
EXAMPLE = ROOT / "examples" / "squat_bottom_flexion.yaml"


def _stored(url: str) -> int:
    with create_engine(url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM assessments")).scalar_one())


def _first_visit(url: str, tmp_path: Path) -> None:
    done = runner.invoke(app, ["run", str(EXAMPLE), "-o", str(tmp_path / "v1.pdf"), "--save", "--db", url])
    assert done.exit_code == 0, done.output


def _update(tmp_path: Path, name: str, content: dict[str, object]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content))
    return path


def test_a_review_moves_the_stage_and_prints_its_progress(store_url: str, tmp_path: Path) -> None:
    _first_visit(store_url, tmp_path)
    update = _update(tmp_path, "review.yaml", {
        "date": "2026-12-18", "answers": {"pain_now": 1},
        "measurements": {"hip_flexion": {"left": 112, "right": 104, "method": "pelvis_stabilised"}},
        "outcomes": {"hoos_jr": 70.4}, "retests": {"band_hurdle_hold": "passed"}})
    pdf, js = tmp_path / "v2.pdf", tmp_path / "v2.json"
    done = runner.invoke(app, ["review", "Priya Shah", str(update), "-o", str(pdf), "--json", str(js),
                               "--db", store_url, "--by", "J. Physio"])
    assert done.exit_code == 0, done.output
    assert "Pain now (NPRS, 0-10): 3 -> 1 (better)" in done.output and "[PRG-UP-01]" in done.output
    a = json.loads(js.read_text())
    assert [e["id"] for b in a["plan"]["blocks"] for e in b["exercises"]] == ["side_plank_hip_flexion"]
    assert a["review"]["stages"][0]["rule"] == "PRG-UP-01" and a["review"]["weeks"] == 4
    # Carried over: everything the update did not give (the name, the other measurements).
    assert a["intake"]["answers"]["name"] == "Priya Shah"
    assert a["intake"]["measurements"]["hip_flexion"]["left"] == 112
    assert "hip_extension" in a["intake"]["measurements"]
    text_of = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    words = " ".join(text_of.split())
    assert "Your progress" in words and "Since your visit on 20 Nov 2026 (4 weeks)" in words
    assert "Side plank with hip flexion: Re-test passed" in words
    assert _stored(store_url) == 2
    hist = runner.invoke(app, ["history", "Priya Shah", "--db", store_url])
    assert hist.exit_code == 0 and "2026-12-18" in hist.output


def test_a_bad_review_saves_nothing(store_url: str, tmp_path: Path) -> None:
    _first_visit(store_url, tmp_path)
    def update(name: str, content: dict[str, object]) -> str:
        return str(_update(tmp_path, name, content))

    cases = [
        (["review", "Priya Shah", update("a.yaml", {"answers": {"pain_now": 14}})],
         "answers.pain_now"),
        (["review", "Priya Shah", update("b.yaml", {"retests": {"hurdle_hold": "passed"}})],
         "retests.hurdle_hold: not in the last visit's plan"),
        (["review", "Priya Shah", update("c.yaml", {"retests": {"band_hurdle_hold": "maybe"}})],
         "retests.band_hurdle_hold"),
        (["review", "Priya Shah", update("d.yaml", {"date": "2026-01-01"})],
         "dated before the last visit"),
        (["review", "Nobody", update("e.yaml", {})], "no client"),
    ]
    for args, words in cases:
        out = tmp_path / "never.pdf"
        done = runner.invoke(app, [*args, "-o", str(out), "--db", store_url])
        assert done.exit_code == 2, (args, done.output)
        assert words in done.output and "Traceback" not in done.output, done.output
        assert not out.exists()
    assert _stored(store_url) == 1


def test_impact_reassesses_a_review_against_the_visits_before_it(store_url: str, tmp_path: Path) -> None:
    # A review's plan continues the last one (its stage moved by the re-test): assessed again
    # without the earlier visit it would look changed under the very same rules.
    _first_visit(store_url, tmp_path)
    update = _update(tmp_path, "review.yaml",
                     {"date": "2026-12-18", "retests": {"band_hurdle_hold": "passed"}})
    done = runner.invoke(app, ["review", "Priya Shah", str(update), "-o", str(tmp_path / "v2.pdf"),
                               "--db", store_url])
    assert done.exit_code == 0, done.output
    same = runner.invoke(app, ["impact", "--rules", str(ROOT / "rules"), "--db", store_url, "--jobs", "1",
                               "--json", "-"])
    assert same.exit_code == 0, same.output
    result = json.loads(same.output[: same.output.rindex("}") + 1])
    assert (result["assessments"], result["changed"]) == (2, 0), result["changes"]
