"""The benchmark still runs against the code as it is (it measures nothing here: `--smoke` does
one repeat of every measure on tiny inputs), so a refactor cannot leave it broken."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_the_bench_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert set(results) >= {"render", "process", "engine", "rule_scaling", "batch", "startup", "safety"}
    assert results["safety"]["violations"] == 0 and results["batch"]["intakes"] == 2
