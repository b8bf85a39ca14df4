"""The store from the command line, as a clinic uses it: run --save, clients, history, show,
export; and a writer killed with SIGKILL mid-batch loses nothing it committed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from conftest import ROOT
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.store.database import open_store

runner = CliRunner()
EXAMPLE = ROOT / "examples" / "deadlift_lockout.yaml"


def test_run_save_then_clients_history_show_export(store_url: str, tmp_path: Path) -> None:
    pdf, js = tmp_path / "plan.pdf", tmp_path / "plan.json"
    result = runner.invoke(app, ["run", str(EXAMPLE), "-o", str(pdf), "--json", str(js), "--save",
                                 "--db", store_url, "--by", "J. Physio"])
    assert result.exit_code == 0, result.output
    assert "saved as assessment" in result.output and "(new client)" in result.output
    clients = runner.invoke(app, ["clients", "--db", store_url])
    assert clients.exit_code == 0 and "Sam Carter" in clients.output
    hist = runner.invoke(app, ["history", "Sam Carter", "--db", store_url])
    assert hist.exit_code == 0 and "2026-11-20" in hist.output and "3 / 6" in hist.output
    with create_engine(store_url).connect() as conn:
        aid = conn.execute(text("SELECT id FROM assessments")).scalar_one()
    wildcard = runner.invoke(app, ["show", "%%%%", "--db", store_url])  # characters, not a pattern
    assert wildcard.exit_code == 2 and "no assessment" in wildcard.output
    shown = runner.invoke(app, ["show", aid[:8], "--db", store_url])
    assert shown.exit_code == 0 and "by J. Physio" in shown.output and aid in shown.output
    out = tmp_path / "exported"
    exported = runner.invoke(app, ["export", aid[:8], "-o", str(out), "--db", store_url])
    assert exported.exit_code == 0, exported.output
    assert (out / f"{aid}.pdf").read_bytes() == pdf.read_bytes()
    assert (out / f"{aid}.json").read_bytes() == js.read_bytes()


def test_store_commands_name_what_is_wrong(store_url: str) -> None:
    for args, words in ((["show", "nothing", "--db", store_url], "no assessment"),
                        (["history", "Nobody", "--db", store_url], "no client"),
                        (["show", "ab", "--db", store_url], "at least 4"),
                        (["clients", "--db", "mysql://x@y/z"], "not supported")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and "Traceback" not in result.output


def test_a_store_that_cannot_be_opened_stops_the_run_before_anything_is_written(tmp_path: Path) -> None:
    pdf = tmp_path / "plan.pdf"
    bad = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    (tmp_path / "no").write_text("a file where a folder should be")
    result = runner.invoke(app, ["run", str(EXAMPLE), "-o", str(pdf), "--save", "--db", bad])
    assert result.exit_code == 2 and not pdf.exists()
    assert "--db: cannot open" in result.output and "Traceback" not in result.output


def test_sigkill_mid_batch_loses_nothing_committed(store_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "intakes"
    folder.mkdir()
    for n in range(16):  # sixteen people: a batch makes a client only for a name not yet stored
        doc = yaml.safe_load(EXAMPLE.read_text())
        doc["answers"]["name"] = f"Client {n:02d}"
        (folder / f"client{n:02d}.yaml").write_text(yaml.safe_dump(doc))
    engine = open_store(store_url)  # the schema exists before the batch starts writing
    proc = subprocess.Popen([sys.executable, "-m", "assess.cli", "batch", str(folder),
                             "-o", str(tmp_path / "out"), "--save", "--db", store_url, "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    committed = 0
    while committed < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        with engine.connect() as conn:
            committed = conn.execute(text("SELECT count(*) FROM assessments")).scalar_one()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert committed >= 3, "the batch did not get far enough to be killed mid-way"
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("visits", "intakes", "assessments", "pdfs")}
        rows = conn.execute(text("SELECT a.document, a.sha256, p.content, p.sha256 FROM assessments a "
                                 "JOIN pdfs p ON p.assessment_id = a.id")).all()
    # Each save is one transaction: every visit has its intake, assessment and PDF, whole.
    assert len(set(counts.values())) == 1 and counts["assessments"] < 16, counts
    assert len(rows) == counts["assessments"]
    for document, sha, content, pdf_sha in rows:
        assert hashlib.sha256(document.encode()).hexdigest() == sha
        assert json.loads(document)["client"]["name"].startswith("Client ")
        pdf = bytes(content)
        assert hashlib.sha256(pdf).hexdigest() == pdf_sha
        assert pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-32:]
