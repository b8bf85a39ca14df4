"""Many intakes at once: a pool of worker processes, each building its engine once.

One bad intake never stops the others. Outputs are written atomically, and a worker
stopped by SIGTERM or Ctrl-C removes its temporary file, so no partial PDF is left.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SUFFIXES = (".yaml", ".yml", ".json")
Status = Literal["ok", "invalid", "fault"]


@dataclass(frozen=True)
class Outcome:
    intake: str
    status: Status
    message: str


def intakes_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def _stop(signum: int, frame: object) -> None:
    # Raising here unwinds through write_atomic, which removes its temporary file.
    raise SystemExit(128 + signum)


def _worker_start() -> None:
    signal.signal(signal.SIGTERM, _stop)
    from assess.engine import default_engine

    default_engine()  # build the engine (and import experta) once per worker


def assess_one(intake: Path, outdir: Path, with_audit: bool = True) -> Outcome:
    """Assess one intake into OUTDIR/<stem>.pdf and <stem>.json; never raises for bad input."""
    from assess.errors import InvalidInput
    from assess.pipeline import assess_file
    from assess.report import render_pdf, write_atomic

    try:
        assessment = assess_file(intake)
        pdf = render_pdf(assessment, with_audit=with_audit)
        write_atomic(outdir / f"{intake.stem}.json", assessment.to_json().encode("utf-8"))
        write_atomic(outdir / f"{intake.stem}.pdf", pdf)
    except InvalidInput as exc:
        return Outcome(intake.name, "invalid", str(exc))
    except Exception as exc:  # one intake's fault must not stop the batch
        return Outcome(intake.name, "fault", f"{type(exc).__name__}: {exc}")
    kind = "referral" if assessment.plan.referral else f"{len(assessment.plan.exercise_ids())} exercises"
    return Outcome(intake.name, "ok", kind)


def run_batch(paths: list[Path], outdir: Path, *, jobs: int, with_audit: bool = True,
              on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Assess every path with `jobs` worker processes; results in input order."""
    outdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Outcome] = {}
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start) as pool:
            futures: dict[Future[Outcome], Path] = {
                pool.submit(assess_one, p, outdir, with_audit): p for p in paths}
            try:
                for future in as_completed(futures):
                    outcome = future.result()
                    results[outcome.intake] = outcome
                    if on_done:
                        on_done(outcome)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    return [results[p.name] for p in paths if p.name in results]


def exit_code(outcomes: list[Outcome]) -> int:
    """0 all done; 2 some intakes were invalid; 1 an internal fault in any."""
    if any(o.status == "fault" for o in outcomes):
        return 1
    return 2 if any(o.status == "invalid" for o in outcomes) else 0
