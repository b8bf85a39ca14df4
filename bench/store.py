"""The store's benchmark, as a user meets it (whole `assess` processes):

    uv run python bench/store.py            # 10,000 stored assessments (populating takes a few minutes)
    uv run python bench/store.py 2000       # a smaller store

Prints `impact` assessments per second per worker with 1 and 2 workers (no PDF), the speed-up
of 2 workers over 1, peak memory at half and at the full store size (flat = the stream does
not hold the store), and what `--save` adds to a plain `assess run`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def populate(url: str, n: int) -> None:
    """n stored assessments: each example assessed once and saved again and again, as visits
    of its client (saving is cheap; re-assessing every one is what `impact` pays for)."""
    from assess.services.pipeline import assess_file
    from assess.store.database import open_store
    from assess.store.records import save_assessment

    engine = open_store(url)
    made = [assess_file(path) for path in EXAMPLES]
    for i in range(n):
        a = made[i % len(made)]
        save_assessment(engine, a, json_bytes=a.to_json().encode(), pdf=b"%PDF-1.7\n%%EOF",
                        recorded_by="bench")


# Runs one command and prints the peak resident memory (KiB) of the largest of its processes.
# A fresh parent per run: the peak of this script's own children only ever grows, so it would
# hide a later, smaller run behind an earlier, larger one.
_PEAK = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
         "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
         "sys.exit(done.returncode)")


def whole(args: list[str]) -> tuple[float, int]:
    """Seconds and peak resident memory (MiB, the largest process) of one `assess` run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK, sys.executable, "-m", "assess.cli", *args],
                          check=False, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:  # a failed run is no measurement: say so rather than print its speed
        raise SystemExit(f"assess {' '.join(args)} failed (exit {done.returncode})")
    return took, int(done.stdout.split()[-1]) // 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        half, full = f"sqlite:///{tmp}/half.db", f"sqlite:///{tmp}/full.db"
        start = time.perf_counter()
        populate(half, n // 2)
        populate(full, n)
        print(f"populated {n // 2:,} and {n:,} stored assessments in {time.perf_counter() - start:.0f} s")
        rules = str(ROOT / "rules")
        one, peak_one = whole(["impact", "--rules", rules, "--db", full, "--jobs", "1"])
        two, _ = whole(["impact", "--rules", rules, "--db", full, "--jobs", "2"])
        _, peak_half = whole(["impact", "--rules", rules, "--db", half, "--jobs", "1"])
        print(f"impact, 1 worker:  {n / one:7.1f} assessments/s per worker ({one:.1f} s for {n:,})")
        print(f"impact, 2 workers: {n / two / 2:7.1f} assessments/s per worker ({two:.1f} s); "
              f"2 workers vs 1: {one / two:.2f}x")
        print(f"peak memory, 1 worker: {peak_half} MiB at {n // 2:,} stored, {peak_one} MiB at {n:,} "
              f"({peak_one / peak_half:.2f}x for 2x the store)")
        example = str(ROOT / "examples" / "deadlift_lockout.yaml")
        import sqlite3

        with sqlite3.connect(f"{tmp}/full.db") as db:  # a visit of a stored client, named by id
            client = db.execute("SELECT id FROM clients LIMIT 1").fetchone()[0]
        plain, saved = [], []
        for i in range(5):  # interleaved, so that both meet the same machine
            plain.append(whole(["run", example, "-o", f"{tmp}/p{i}.pdf"])[0])
            saved.append(whole(["run", example, "-o", f"{tmp}/s{i}.pdf", "--save", "--db", full,
                                "--client", client])[0])
        p, s = statistics.median(plain), statistics.median(saved)
        print(f"assess run: {p:.2f} s; with --save into the {n:,}-assessment store: {s:.2f} s "
              f"(+{(s - p) * 1000:.0f} ms, {s / p:.2f}x)")


if __name__ == "__main__":
    main()
