"""Benchmarks for assess: every figure is a ratio or time measured in this one run.

    uv run python bench/run.py            # full run (about 20 minutes on 2 cores)
    uv run python bench/run.py --quick    # fewer repeats, a 40-intake batch, 1,000 safety intakes

Prints one table and writes it as JSON (bench/results.json unless --out is given).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def render_ratio(repeat: int) -> dict[str, Any]:
    """1. intake -> PDF in process (warm) against a bare WeasyPrint render of the same HTML."""
    from weasyprint import HTML

    from assess.rendering.pdf import _stylesheet
    from assess.rendering.report import render_html, render_pdf
    from assess.services.pipeline import assess_file

    demo = ROOT / "examples" / "deadlift_lockout.yaml"
    html = render_html(assess_file(demo))
    render_pdf(assess_file(demo))  # warm: engine built, fonts loaded
    ours, bare = [], []
    for _ in range(repeat):  # interleaved, so drift affects both alike
        ours += timed(lambda: render_pdf(assess_file(demo)), 1)
        bare += timed(lambda: HTML(string=html).write_pdf(stylesheets=_stylesheet("A4")), 1)
    return {"ours_median_s": statistics.median(ours), "bare_median_s": statistics.median(bare),
            "ratio": statistics.median(ours) / statistics.median(bare), "goal": "<= 1.10"}


def engine_share(repeat: int, pdf_seconds: float) -> dict[str, Any]:
    """2. validation + facts + rules per example, and as a share of the PDF render."""
    from assess.files.intake_io import read_intake_file
    from assess.services.pipeline import assess_intake

    per_example = {}
    everything = []
    for path in EXAMPLES:
        doc = read_intake_file(path)
        times = timed(lambda doc=doc: assess_intake(doc), repeat)
        everything += times
        per_example[path.stem] = {"median_ms": 1000 * statistics.median(times),
                                  "p95_ms": 1000 * p95(times)}
    median = statistics.median(everything)
    return {"per_example": per_example, "median_ms": 1000 * median, "p95_ms": 1000 * p95(everything),
            "share_of_pdf": median / pdf_seconds, "goal": "<= 5%"}


def rule_scaling(repeat: int) -> dict[str, Any]:
    """3. engine time as the rule set is loaded 1x, 2x and 4x."""
    from assess.definitions.intake import validate_intake
    from assess.definitions.knowledge import load_knowledge
    from assess.domain.assessment import Intake
    from assess.files.intake_io import read_intake_file
    from assess.inference.engine import build_engine
    from assess.inference.facts import equipment_facts, intake_facts

    kb = load_knowledge()
    facts = []
    for path in EXAMPLES:
        intake = Intake.model_validate(
            validate_intake(read_intake_file(path)).model_dump(mode="json", exclude_unset=True))
        equipment = [e for e in intake.answers.get("equipment", []) if e != "none"]
        facts.append(intake_facts(intake) + equipment_facts(kb, equipment))
    out: dict[str, Any] = {}
    for copies in (1, 2, 4):
        engine = build_engine(kb, copies=copies)
        times = [t for f in facts for t in timed(lambda f=f, e=engine: e.run(f), repeat)]
        out[f"{copies}x"] = {"rules": len(kb.rules) * copies, "median_ms": 1000 * statistics.median(times)}
    base = out["1x"]["median_ms"]
    for row in out.values():
        row["vs_1x"] = row["median_ms"] / base
    return out


def batch_speedup(count: int) -> dict[str, Any]:
    """4. `assess batch` on `count` intakes: 2 workers against 1."""
    from assess.services.batch import plan_batch, run_batch

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for n in range(count):
            example = EXAMPLES[n % len(EXAMPLES)]
            shutil.copy(example, folder / f"{n:04d}_{example.name}")
        walls = {}
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            out.mkdir()
            jobs, refused = plan_batch(folder, out)
            start = time.perf_counter()
            result = run_batch(jobs, out, workers=workers)
            walls[workers] = time.perf_counter() - start
            assert not refused and all(o.status == "ok" for o in result.outcomes)
    return {"intakes": count, "one_worker_s": walls[1], "two_workers_s": walls[2],
            "speedup": walls[1] / walls[2], "goal": ">= 1.8x"}


def user_env() -> dict[str, str]:
    """The environment a user's process runs in: Python caches compiled modules (some CI and
    container images turn that off, which would time the compiler, not assess)."""
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def process_ratio(repeat: int) -> dict[str, Any]:
    """1b. A whole `assess run` process against a bare WeasyPrint process that renders the same
    HTML and CSS: what a user waits for, start-up included. Runs are interleaved and each pair
    gives a ratio; the median of the pair ratios is reported."""
    from assess.rendering.report import render_html
    from assess.services.pipeline import assess_file

    exe = shutil.which("assess") or str(Path(sys.executable).parent / "assess")
    demo = ROOT / "examples" / "deadlift_lockout.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "plan.html"
        page.write_text(render_html(assess_file(demo)), encoding="utf-8")
        css = ROOT / "report_templates" / "print.css"
        bare_code = ("import sys; from weasyprint import HTML, CSS; "
                     "HTML(filename=sys.argv[1]).write_pdf(sys.argv[3], "
                     "stylesheets=[CSS(filename=sys.argv[2])])")
        ours_cmd = [exe, "run", str(demo), "-o", str(Path(tmp) / "ours.pdf"), "--force"]
        bare_cmd = [sys.executable, "-c", bare_code, str(page), str(css), str(Path(tmp) / "bare.pdf")]

        def once(cmd: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=user_env())
            return time.perf_counter() - start

        once(ours_cmd), once(bare_cmd)  # warm the file cache for both
        ours, bare = [], []
        for _ in range(repeat):
            ours.append(once(ours_cmd))
            bare.append(once(bare_cmd))
    pairs = [o / b for o, b in zip(ours, bare, strict=True)]
    return {"ours_median_s": statistics.median(ours), "bare_median_s": statistics.median(bare),
            "ratio": statistics.median(pairs), "goal": "<= 1.10"}


def startup(repeat: int) -> dict[str, Any]:
    """5. `assess --help` (and `assess demo`) against `python -c "import typer"`."""
    exe = shutil.which("assess") or str(Path(sys.executable).parent / "assess")

    def wall(cmd: list[str], cwd: Path) -> float:
        subprocess.run(cmd, check=True, capture_output=True, cwd=cwd, env=user_env())  # warm
        return statistics.median(timed(lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=cwd,
                                                              env=user_env()), repeat))

    with tempfile.TemporaryDirectory() as tmp:
        typer_s = wall([sys.executable, "-c", "import typer"], ROOT)
        help_s = wall([exe, "--help"], ROOT)
        demo_s = wall([exe, "demo", "-o", str(Path(tmp) / "plan.pdf"), "--force"], ROOT)
    return {"import_typer_s": typer_s, "help_s": help_s, "demo_s": demo_s,
            "help_vs_typer": help_s / typer_s, "goal": "<= 2x"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 40-intake batch")
    parser.add_argument("--smoke", action="store_true",
                        help="one repeat on tiny inputs: checks that the bench runs")
    parser.add_argument("--batch", type=int, default=None, help="intakes in the batch test (200)")
    parser.add_argument("--safety", type=int, default=None,
                        help="random intakes for the safety invariants (10000; --quick 1000)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    repeat = 1 if args.smoke else 5 if args.quick else 15
    count = args.batch or (2 if args.smoke else 40 if args.quick else 200)

    results: dict[str, Any] = {"machine": {"python": sys.version.split()[0], "cores": _cores()}}
    results["render"] = render_ratio(repeat)
    results["process"] = process_ratio(repeat)
    results["engine"] = engine_share(repeat * 2, results["render"]["ours_median_s"])
    results["rule_scaling"] = rule_scaling(repeat)
    results["batch"] = batch_speedup(count)
    results["startup"] = startup(min(repeat, 5))
    from safety import run as safety_run

    results["safety"] = safety_run(args.safety or (4 if args.smoke else 1_000 if args.quick else 10_000))

    r, e, s, b, st = (results[k] for k in ("render", "engine", "rule_scaling", "batch", "startup"))
    pr = results["process"]
    rows = [
        ("1 intake->PDF vs bare WeasyPrint", f"{r['ours_median_s']:.3f} s vs {r['bare_median_s']:.3f} s",
         f"{r['ratio']:.3f}", r["goal"]),
        ("1b whole assess run vs bare WeasyPrint process",
         f"{pr['ours_median_s']:.3f} s vs {pr['bare_median_s']:.3f} s", f"{pr['ratio']:.3f}", pr["goal"]),
        ("2 validation+facts+rules / PDF", f"median {e['median_ms']:.1f} ms, p95 {e['p95_ms']:.1f} ms",
         f"{100 * e['share_of_pdf']:.1f}%", e["goal"]),
        *[(f"3 engine, rule set {k} ({v['rules']} rules)", f"{v['median_ms']:.2f} ms", f"{v['vs_1x']:.2f}x",
           "grows no faster than rules") for k, v in s.items()],
        (f"4 batch of {b['intakes']}: 2 workers, against 1",
         f"{b['two_workers_s']:.1f} s against {b['one_worker_s']:.1f} s",
         f"{b['speedup']:.2f}x", b["goal"]),
        ("5 assess --help vs import typer", f"{st['help_s']:.3f} s vs {st['import_typer_s']:.3f} s",
         f"{st['help_vs_typer']:.2f}x", st["goal"]),
        ("  assess demo (median of 5)", f"{st['demo_s']:.3f} s", "", ""),
        (f"6 safety invariants, {results['safety']['intakes']} random intakes",
         f"{results['safety']['violations']} violations ({results['safety']['referrals']} referrals)",
         f"{results['safety']['seconds']:.0f} s", results["safety"]["goal"]),
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    header = ("measure", "measured", "ratio", "goal")
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    per = ", ".join(f"{k} {v['median_ms']:.1f}/{v['p95_ms']:.1f}" for k, v in e["per_example"].items())
    print(f"engine per example, median/p95 ms: {per}")
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
