"""`assess batch`: many intakes, one bad one reported, and no partial PDF when stopped."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT
from pypdf import PdfReader
from typer.testing import CliRunner

from assess.cli import app


def _folder(tmp_path: Path, copies: int = 1) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(copies):
        for example in sorted((ROOT / "examples").glob("*.yaml")):
            shutil.copy(example, folder / f"{example.stem}_{n}.yaml")
    return folder


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
    assert not list(out.glob("*.part"))


def test_an_empty_folder_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "holds no" in result.stderr


def test_sigterm_leaves_no_partial_pdf(tmp_path: Path) -> None:
    folder = _folder(tmp_path, copies=4)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "assess.cli", "batch", str(folder), "-o", str(out),
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    finished = list(out.glob("*.pdf"))
    assert 2 <= len(finished) < len(list(folder.iterdir())), "the batch was not stopped midway"
    for pdf in finished:
        assert PdfReader(pdf).pages  # every PDF with its final name is complete
    assert not [p for p in out.iterdir() if p.suffix == ".part" or p.name.startswith(".")]
