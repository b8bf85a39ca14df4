"""`assess batch`: many intakes, one bad one reported, no wrong plan for anyone, and a clean
stop on any signal, to the main process or its whole group."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from pypdf import PdfReader
from typer.testing import CliRunner

from assess.cli.commands import app

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _folder(tmp_path: Path, copies: int = 1) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(copies):
        for example in EXAMPLES:
            shutil.copy(example, folder / f"{example.stem}_{n}.yaml")
    return folder


def batch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assess.cli", "batch", *args], capture_output=True,
                          text=True, timeout=300)


def test_batch_reports_the_bad_intake_and_does_the_rest(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "broken.yaml").write_text("answers: {age: old}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(folder), "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 2, result.output
    assert "broken.yaml: invalid" in result.stderr and "answers.age" in result.stderr
    pdfs = sorted(p.stem for p in out.glob("*.pdf"))
    assert pdfs == sorted(p.stem for p in folder.glob("*.yaml") if p.name != "broken.yaml")
    for pdf in out.glob("*.pdf"):
        assert PdfReader(pdf).pages
    assert not list(out.glob(".*"))
    # The summary says how many plans and referrals, by urgency.
    assert "7 of 8 intakes assessed" in result.stdout and "1 referral(s) (1 emergency)" in result.stdout
    assert "6 plan(s)" in result.stdout and "1 invalid" in result.stdout


def test_two_intakes_sharing_a_name_never_share_an_output(tmp_path: Path) -> None:
    """A red-flag referral must never be replaced by another client's plan."""
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "red_flag.yaml", folder / "client.yaml")
    (folder / "client.json").write_text(json.dumps(
        __import__("yaml").safe_load((ROOT / "examples" / "deadlift_lockout.yaml").read_text()), default=str))
    shutil.copy(ROOT / "examples" / "overextension.yaml", folder / "a.yaml")
    shutil.copy(ROOT / "examples" / "nothing_wrong.yaml", folder / "A.yml")
    result = CliRunner().invoke(app, ["batch", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "its outputs are client.yaml.pdf" in result.stderr and "client.json.pdf" in result.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == ["A.yml.pdf", "a.yaml.pdf", "client.json.pdf",
                                                         "client.yaml.pdf"]
    letter = json.loads((out / "client.yaml.json").read_text())
    assert letter["plan"]["referral"] is True
    assert json.loads((out / "client.json.json").read_text())["plan"]["referral"] is False


def test_the_output_folder_is_never_the_input_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = CliRunner().invoke(app, ["batch", str(folder), "-o", str(folder)])
    assert result.exit_code == 2 and "is the input folder" in result.stderr
    assert not list(folder.glob("*.json"))


def test_entries_that_are_not_files_are_reported(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    os.mkfifo(folder / "pipe.yaml")
    (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    result = batch(str(folder), "-o", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "pipe.yaml: a named pipe, not an intake file" in result.stderr
    assert "loop.yaml: a symbolic link that loops" in result.stderr
    assert "zero.yaml: a character device, not an intake file" in result.stderr
    assert "3 not an intake file" in result.stdout and len(list((tmp_path / "out").glob("*.pdf"))) == 7


def test_resume_skips_what_is_done_and_stale_parts_are_cleaned(tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    first = batch(str(folder), "-o", str(out))
    assert first.returncode == 0, first.stderr
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    stale = out / ".deadlift_lockout_0.pdf.999999999.0123abcd.part"  # a writer that no longer runs
    stale.write_bytes(b"half a pdf")
    changed = folder / "overextension_0.yaml"
    changed.write_text(changed.read_text().replace("pain_now: 4", "pain_now: 5"))
    again = batch(str(folder), "-o", str(out), "--resume")
    assert again.returncode == 0, again.stderr
    assert "6 already done" in again.stdout and not stale.exists()
    assert "removed .deadlift_lockout_0.pdf" in again.stderr
    redone = {p.name for p in out.iterdir() if p.stat().st_mtime_ns != stamps.get(p.name)}
    assert redone == {"overextension_0.pdf", "overextension_0.json"}


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _start(tmp_path: Path, copies: int) -> tuple[subprocess.Popen[str], Path, Path]:
    folder, out = _folder(tmp_path, copies), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "assess.cli", "batch", str(folder), "-o", str(out),
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 2:
        time.sleep(0.05)
    return proc, folder, out


@pytest.mark.parametrize("to", ["group", "main"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_stops_the_batch_cleanly(tmp_path: Path, sig: signal.Signals, to: str) -> None:
    proc, folder, out = _start(tmp_path, copies=4)
    workers = _children(proc.pid)
    if to == "group":
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    assert f"interrupted by {sig.name}" in stdout and "Traceback" not in stdout + stderr
    finished = sorted(out.glob("*.pdf"))
    assert 2 <= len(finished) < len(list(folder.iterdir())), "the batch was not stopped midway"
    for pdf in finished:  # every file with its final name is complete, and has its JSON
        assert PdfReader(pdf).pages and json.loads(pdf.with_suffix(".json").read_text())["plan"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "a temporary file was left"
    assert f"{len(finished)} of {len(list(folder.iterdir()))} intakes assessed" in stdout
    time.sleep(0.5)
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "a worker outlived the batch"


def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    proc, _, out = _start(tmp_path, copies=4)
    workers = _children(proc.pid)
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "orphaned workers kept running"
    count = len(list(out.glob("*.pdf")))
    time.sleep(1.5)
    assert len(list(out.glob("*.pdf"))) == count, "something kept writing after the kill"
    assert not list(out.glob(".*.part")), "a temporary file was left by a worker"


def test_an_empty_folder_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "holds no" in result.stderr
