"""Hostile inputs and outputs at the command line: every one is exit 2 with what is wrong
named, nothing is written, nothing hangs, nothing runs out of memory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, load_example
from pypdf import PdfReader
from typer.testing import CliRunner

from assess.cli.commands import app

EXAMPLE = ROOT / "examples" / "deadlift_lockout.yaml"
runner = CliRunner()


def assess(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None,
           timeout: float = 60) -> subprocess.CompletedProcess[Any]:
    """`assess` as a user runs it: its own process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "assess.cli", *args], capture_output=True,
                          text=stdin is None, input=stdin, env=full_env, timeout=timeout)


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _clean(result: Any) -> None:
    output = (result.stdout or "") + (result.stderr or "")
    assert "Traceback" not in output and "internal fault" not in output, output


# --- inputs of every kind ---------------------------------------------------------------------

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_cut_at_the_byte_limit(device: str, tmp_path: Path) -> None:
    result = assess("run", device, "-o", str(tmp_path / "p.pdf"), timeout=30)
    assert result.returncode == 2 and "an intake is at most 1000000 bytes" in result.stderr
    _clean(result)
    assert list(tmp_path.iterdir()) == []


def test_a_fifo_nobody_writes_to_times_out(tmp_path: Path) -> None:
    fifo = tmp_path / "intake.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    result = assess("run", str(fifo), "-o", str(tmp_path / "p.pdf"), env={"ASSESS_READ_TIMEOUT": "1"})
    assert result.returncode == 2 and "no data arrived within 1 s" in result.stderr
    assert time.monotonic() - start < 20


def test_a_fifo_with_a_writer_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "intake.yaml"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(EXAMPLE.read_bytes())

    threading.Thread(target=write, daemon=True).start()
    result = assess("run", str(fifo), "-o", str(tmp_path / "p.pdf"))
    assert result.returncode == 0, result.stderr


def test_standard_input_is_an_intake_within_the_limits(tmp_path: Path) -> None:
    ok = assess("run", "-", "-o", str(tmp_path / "p.pdf"), stdin=EXAMPLE.read_bytes())
    assert ok.returncode == 0, ok.stderr
    huge = assess("run", "-", "-o", str(tmp_path / "q.pdf"), stdin=b"a: " + b"x" * 2_000_000)
    assert huge.returncode == 2 and b"standard input: holds more than 1000000 bytes" in huge.stderr


@pytest.mark.parametrize("make, message", [
    (lambda d: (d / "loop.yaml").symlink_to(d / "loop.yaml") or d / "loop.yaml",
     "is a symbolic link that loops back on itself"),
    (lambda d: d / ("x" * 300 + ".yaml"), "the file name is too long"),
    (lambda d: [(d / "x.yaml").write_text("a: 1"), d / "x.yaml" / "y.yaml"][1],
     "a part of the path is not a folder"),
    (lambda d: d, "is a folder, not a file"),
    (lambda d: d / "missing.yaml", "no such file"),
])
def test_paths_that_are_not_readable_files(tmp_path: Path, make: Any, message: str) -> None:
    path = make(tmp_path)
    result = invoke("run", str(path), "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    _clean(result)


def test_100000_bad_options_are_answered_briefly(tmp_path: Path) -> None:
    doc = load_example("nothing_wrong")
    doc["answers"]["equipment"] = ["x"] * 100_000
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(doc, default_flow_style=None))
    result = invoke("run", str(path), "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) <= 25 and "more problem(s)" in lines[-1]
    assert "equipment.0:" in lines[2] and "equipment.1:" in lines[3]  # in order, 2 before 10


def test_yaml_numbers_mean_what_they_say(intake: Any, tmp_path: Path) -> None:
    """YAML 1.2: 040 is forty and 010 degrees is ten, not octal."""
    path = tmp_path / "i.yaml"
    text = EXAMPLE.read_text().replace("age: 34", "age: 040")
    text = text.replace("thomas_thigh_angle: {left: 8", "thomas_thigh_angle: {left: 010")
    path.write_text(text)
    js = tmp_path / "a.json"
    assert invoke("run", str(path), "-o", str(tmp_path / "p.pdf"), "--json", str(js)).exit_code == 0
    data = yaml.safe_load(js.read_text())
    assert data["intake"]["answers"]["age"] == 40
    assert data["intake"]["measurements"]["thomas_thigh_angle"]["left"] == 10


def test_text_is_escaped_before_a_terminal_sees_it(tmp_path: Path) -> None:
    path = tmp_path / "i.yaml"
    path.write_text(EXAMPLE.read_text().replace("answers:\n", 'answers:\n  "\\e]0;owned\\a\\e[2J": 1\n'))
    result = assess("run", str(path), "-o", str(tmp_path / "p.pdf"))
    assert result.returncode == 2 and "\x1b" not in result.stderr and "\\x1b]0;owned" in result.stderr


# --- outputs --------------------------------------------------------------------------------

def _copy(tmp_path: Path) -> Path:
    intake = tmp_path / "intake.yaml"
    intake.write_bytes(EXAMPLE.read_bytes())
    return intake


@pytest.mark.parametrize("args, message", [
    (["-o", "{intake}"], "is an input of this command"),
    (["-o", "{dir}/p.pdf", "--json", "{intake}"], "is an input of this command"),
    (["-o", "{dir}/x.pdf", "--json", "{dir}/x.pdf"], "must end in .json"),
    (["-o", "{dir}/same.json", "--json", "{dir}/same.json"], "is the same file as"),
    (["-o", "{dir}/trail/"], "is a folder"),
    (["-o", "{dir}"], "is a folder"),
    (["-o", "/dev/null"], "must end in .pdf"),
    (["-o", "{dir}/plan.png"], "must end in .pdf"),
    (["-o", "-", "--json", "-"], "only one output can go to standard output"),
    (["-o", "{dir}/no/such/folder/p.pdf"], "does not exist"),
])
def test_outputs_that_must_not_be_written(tmp_path: Path, args: list[str], message: str) -> None:
    intake = _copy(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    filled = [a.format(intake=intake, dir=tmp_path) for a in args]
    result = invoke("run", str(intake), *filled)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert intake.read_bytes() == EXAMPLE.read_bytes()


def test_a_device_is_never_replaced(tmp_path: Path) -> None:
    link = tmp_path / "null.pdf"
    link.symlink_to("/dev/null")
    result = invoke("run", str(_copy(tmp_path)), "-o", str(link), "--force")
    assert result.exit_code == 2 and "is not a regular file" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_an_existing_plan_is_replaced_only_with_force_and_keeps_its_mode(tmp_path: Path) -> None:
    intake, pdf = _copy(tmp_path), tmp_path / "plan.pdf"
    pdf.write_bytes(b"old")
    pdf.chmod(0o600)
    refused = invoke("run", str(intake), "-o", str(pdf))
    assert refused.exit_code == 2 and "exists; pass --force" in refused.stderr and pdf.read_bytes() == b"old"
    done = invoke("run", str(intake), "-o", str(pdf), "--force")
    assert done.exit_code == 0 and PdfReader(pdf).pages
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600


def test_a_hard_linked_output_is_not_split(tmp_path: Path) -> None:
    intake, pdf = _copy(tmp_path), tmp_path / "plan.pdf"
    pdf.write_bytes(b"old")
    os.link(pdf, tmp_path / "other.pdf")
    result = invoke("run", str(intake), "-o", str(pdf), "--force")
    assert result.exit_code == 2 and "hard links" in result.stderr
    assert (tmp_path / "other.pdf").read_bytes() == b"old" == pdf.read_bytes()


def test_both_outputs_or_neither(tmp_path: Path) -> None:
    """The PDF cannot be written (/sys refuses even root; a read-only folder refuses others):
    the JSON, which could have been, is not written either, and it is a usage error."""
    intake = _copy(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target = locked if not os.access(locked, os.W_OK) else Path("/sys")
    try:
        result = invoke("run", str(intake), "--json", str(tmp_path / "a.json"), "-o", str(target / "p.pdf"))
        assert result.exit_code == 2, result.stderr
        assert "cannot be written to" in result.stderr or "cannot write" in result.stderr
        assert "nothing was written" in result.stderr or "cannot be written to" in result.stderr
        assert not (tmp_path / "a.json").exists() and not (target / "p.pdf").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["intake.yaml", "locked"]
    finally:
        locked.chmod(0o700)


def test_a_failed_rename_puts_back_what_was_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assess.files import outputs

    first, second = tmp_path / "a.json", tmp_path / "b.pdf"
    first.write_bytes(b"old json")
    real = os.replace
    calls: list[str] = []

    def flaky(src: Any, dst: Any) -> None:
        calls.append(str(dst))
        if str(dst) == str(second):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr("assess.files.outputs.os.replace", flaky)
    with pytest.raises(outputs.OutputError, match="No space left on device; nothing was written"):
        outputs.write_together([outputs.Output(str(first), "JSON", b"new json"),
                                outputs.Output(str(second), "PDF", b"new pdf")])
    assert first.read_bytes() == b"old json" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_the_pdf_can_go_to_standard_output(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "assess.cli", "run", str(EXAMPLE), "-o", "-"],
                            capture_output=True, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith(b"%PDF-")
    assert b"Wrote standard output" in result.stderr and list(tmp_path.iterdir()) == []


def test_writing_leaves_the_umask_alone(tmp_path: Path) -> None:
    from assess.files.outputs import write_atomic

    before = os.umask(0o027)
    try:
        write_atomic(tmp_path / "x.json", b"{}")
        assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o640
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(before)
