"""The helper process that loads WeasyPrint while `assess run` assesses: the PDF it makes is the
one this process would make, a helper that fails or dies changes nothing, and no helper
outlives its command. Each case runs in a fresh single-threaded process, as `assess` does."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

from assess.domain.assessment import Assessment
from assess.rendering.pdf import PdfRequest, pdf_from_html
from assess.rendering.report import render_html

ASSESS = str(Path(sys.executable).parent / "assess")

# Runs in a child interpreter: forks a helper, optionally breaks it, renders, writes the PDF.
_SCRIPT = """
import os, pickle, signal, sys
from assess.rendering.ahead import RenderAhead
req = pickle.loads(open(sys.argv[1], "rb").read())
helper = RenderAhead()
assert helper.pid is not None, "no helper was forked"
if sys.argv[3] == "kill":
    os.kill(helper.pid, signal.SIGKILL)
pdf = helper.render(req)
assert helper.pid is None, "the helper was not reaped"
open(sys.argv[2], "wb").write(pdf)
"""


def _request(tmp_path: Path) -> tuple[PdfRequest, Path]:
    """Run the demo intake through `assess run`; the request for its PDF, also saved to a file."""
    out = tmp_path / "first.json"
    subprocess.run([ASSESS, "run", str(ROOT / "examples" / "deadlift_lockout.yaml"),
                    "-o", str(tmp_path / "first.pdf"), "--json", str(out)], check=True, capture_output=True)
    a = Assessment.model_validate_json(out.read_text())
    req = PdfRequest(render_html(a), a.to_json(), a.generated_at)
    saved = tmp_path / "req.pickle"
    saved.write_bytes(pickle.dumps(req))
    return req, saved


def test_assess_run_writes_the_pdf_this_process_would(tmp_path: Path) -> None:
    req, _ = _request(tmp_path)
    assert (tmp_path / "first.pdf").read_bytes() == pdf_from_html(req)


def test_a_helper_that_dies_changes_nothing(tmp_path: Path) -> None:
    req, saved = _request(tmp_path)
    expected = pdf_from_html(req)
    for how in ("keep", "kill"):
        target = tmp_path / f"{how}.pdf"
        subprocess.run([sys.executable, "-c", _SCRIPT, str(saved), str(target), how], check=True,
                       capture_output=True, cwd=ROOT)
        assert target.read_bytes() == expected, how


def test_a_helper_that_fails_leaves_the_error_to_this_process(tmp_path: Path) -> None:
    req, _ = _request(tmp_path)
    broken = tmp_path / "broken.pickle"
    broken.write_bytes(pickle.dumps(PdfRequest(req.html, None, "not a time")))
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(broken), str(tmp_path / "x.pdf"), "keep"],
                          capture_output=True, text=True, cwd=ROOT)
    # The helper's failure is not hidden: this process renders, and raises the same error.
    assert done.returncode != 0 and "Invalid isoformat string: 'not a time'" in done.stderr
    assert not (tmp_path / "x.pdf").exists()


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_no_helper_outlives_its_command(tmp_path: Path) -> None:
    bad = tmp_path / "helper-marker-bad.yaml"
    bad.write_text(json.dumps({"answers": {"age": "old"}}))
    done = subprocess.run([ASSESS, "run", str(bad), "-o", str(tmp_path / "p.pdf")], capture_output=True)
    assert done.returncode == 2  # stopped on the intake, before any page was rendered
    good = subprocess.run([ASSESS, "run", str(ROOT / "examples" / "deadlift_lockout.yaml"),
                           "-o", str(tmp_path / "helper-marker-good.pdf")], capture_output=True)
    assert good.returncode == 0
    assert _processes_mentioning("helper-marker") == []
