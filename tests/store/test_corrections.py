"""Corrections, on SQLite and PostgreSQL: a new version that names the one it replaces, who
and why; history, show and impact use it, export still gives the old bytes; an assessment is
corrected once (the database refuses a second version of the same one); a bad correction is
exit 2 with nothing saved."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.store.tables import assessments

runner = CliRunner()
EXAMPLE = ROOT / "examples" / "squat_bottom_flexion.yaml"


def _count(url: str, table: str) -> int:
    with create_engine(url).connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _first(url: str, tmp_path: Path) -> str:
    js = tmp_path / "v1.json"
    done = runner.invoke(app, ["run", str(EXAMPLE), "-o", str(tmp_path / "v1.pdf"), "--json", str(js),
                               "--save", "--db", url])
    assert done.exit_code == 0, done.output
    with create_engine(url).connect() as conn:
        return str(conn.execute(select(assessments.c.id)).scalar_one())


def _fix(tmp_path: Path, content: dict[str, object]) -> Path:
    path = tmp_path / "fix.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def _correct(url: str, tmp_path: Path, aid: str, content: dict[str, object], *extra: str) -> tuple[int, str]:
    done = runner.invoke(app, ["correct", aid[:8], str(_fix(tmp_path, content)),
                               "-o", str(tmp_path / "c.pdf"), "--json", str(tmp_path / "c.json"),
                               "--db", url, "--force", *extra])
    return done.exit_code, done.output


def test_a_correction_is_a_new_version_with_who_and_why(store_url: str, tmp_path: Path) -> None:
    old = _first(store_url, tmp_path)
    original = (tmp_path / "v1.json").read_bytes()
    code, said = _correct(store_url, tmp_path, old, {"measurements": {"hip_flexion": {
        "left": 95, "right": 120, "method": "pelvis_stabilised"}}},
        "--by", "J. Physio", "--reason", "left and right were swapped")
    assert code == 0, said
    assert f"correcting {old[:8]} (by J. Physio: left and right were swapped)" in said
    corrected = json.loads((tmp_path / "c.json").read_text())
    assert corrected["intake"]["measurements"]["hip_flexion"]["left"] == 95
    assert corrected["intake"]["answers"]["name"] == "Priya Shah"  # carried over
    assert corrected["assessed_on"] == json.loads(original)["assessed_on"]  # same visit, same date
    counts = [_count(store_url, t) for t in ("assessments", "visits", "intakes")]
    assert counts == [2, 1, 2]
    new = _newest(store_url)
    hist = runner.invoke(app, ["history", "Priya Shah", "--db", store_url])
    assert hist.exit_code == 0 and new[:8] in hist.output and old[:8] not in hist.output
    shown = runner.invoke(app, ["show", new[:8], "--db", store_url])
    assert f"Version {new[:8]} corrects {old[:8]}" in shown.output
    assert "by J. Physio, because: left and right were swapped" in shown.output
    shown_old = runner.invoke(app, ["show", old[:8], "--db", store_url])
    assert f"corrected by assessment {new}" in shown_old.output
    exported = runner.invoke(app, ["export", old[:8], "-o", str(tmp_path / "out"), "--db", store_url])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "out" / f"{old}.json").read_bytes() == original  # the old version as it was
    clients = runner.invoke(app, ["clients", "--db", store_url])
    assert "Priya Shah" in clients.output


def _newest(url: str) -> str:
    with create_engine(url).connect() as conn:
        return str(conn.execute(select(assessments.c.id).where(assessments.c.supersedes.is_not(None)))
                   .scalar_one())


def test_a_wrong_date_makes_a_new_version_of_the_visit(store_url: str, tmp_path: Path) -> None:
    old = _first(store_url, tmp_path)
    code, said = _correct(store_url, tmp_path, old, {"date": "2026-11-19"}, "--reason", "seen the day before")
    assert code == 0, said
    assert _count(store_url, "visits") == 2
    hist = runner.invoke(app, ["history", "Priya Shah", "--db", store_url])
    assert "2026-11-19" in hist.output and "2026-11-20" not in hist.output
    clients = runner.invoke(app, ["clients", "--db", store_url])
    assert "2026-11-19" in clients.output and " 1 " in clients.output  # one visit, not two


@pytest.mark.parametrize(("content", "extra", "words"), [
    ({"answers": {"pain_now": 3}}, ["--reason", "  "], "--reason"),
    ({"answers": {"pain_now": 30}}, ["--reason", "typo"], "answers.pain_now"),
    ({"answers": {"name": "Someone Else"}}, ["--reason", "typo"], "a correction keeps its client"),
    ({"retests": {"band_hurdle_hold": "passed"}}, ["--reason", "typo"], "this visit is not a review"),
])
def test_a_bad_correction_saves_nothing(store_url: str, tmp_path: Path, content: dict[str, object],
                                        extra: list[str], words: str) -> None:
    old = _first(store_url, tmp_path)
    code, said = _correct(store_url, tmp_path, old, content, *extra)
    assert code == 2, said
    assert words in " ".join(said.split())
    assert _count(store_url, "assessments") == 1 and not (tmp_path / "c.pdf").exists()


def test_an_assessment_is_corrected_once(store_url: str, tmp_path: Path) -> None:
    old = _first(store_url, tmp_path)
    assert _correct(store_url, tmp_path, old, {"answers": {"pain_now": 2}}, "--reason", "misheard")[0] == 0
    code, said = _correct(store_url, tmp_path, old, {"answers": {"pain_now": 4}}, "--reason", "again")
    assert code == 2 and "was already corrected by" in said
    assert _count(store_url, "assessments") == 2
    # And the database itself refuses a second version of the same assessment, whoever writes it.
    with create_engine(store_url).connect() as conn:
        row = conn.execute(select(assessments).where(assessments.c.id == old)).mappings().one()
        clash = {**row, "id": str(uuid.uuid4()), "supersedes": old, "recorded_at": dt.datetime.now(dt.UTC)}
        with pytest.raises(IntegrityError):
            conn.execute(insert(assessments).values(**clash))


def test_a_corrected_review_keeps_its_earlier_visit(store_url: str, tmp_path: Path) -> None:
    _first(store_url, tmp_path)
    update = tmp_path / "review.yaml"
    update.write_text(yaml.safe_dump({"date": "2026-12-18", "retests": {"band_hurdle_hold": "passed"}}))
    done = runner.invoke(app, ["review", "Priya Shah", str(update), "-o", str(tmp_path / "v2.pdf"),
                               "--db", store_url])
    assert done.exit_code == 0, done.output
    with create_engine(store_url).connect() as conn:
        rid = str(conn.execute(text("SELECT a.id FROM assessments a JOIN visits v ON v.id = a.visit_id "
                                    "WHERE v.visit_date = '2026-12-18'")).scalar_one())
    code, said = _correct(store_url, tmp_path, rid, {"answers": {"pain_now": 1}}, "--reason", "pain misread")
    assert code == 0, said
    corrected = json.loads((tmp_path / "c.json").read_text())
    assert corrected["review"]["stages"][0]["rule"] == "PRG-UP-01"  # still a review of the first visit
    assert corrected["intake"]["retests"] == {"band_hurdle_hold": "passed"}
