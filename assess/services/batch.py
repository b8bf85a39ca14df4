"""Many intakes at once: worker processes, each building its engine once.

One bad intake never stops the others. Every output is written whole or not at all. On
SIGTERM, SIGINT or SIGHUP (to the main process or its whole group) the workers are stopped,
finished outputs stay, unfinished ones leave nothing, and the summary counts what is on disk.
Workers die with their parent, even one killed outright. Names are settled before anything
runs: two intakes that would write the same file (client.yaml, client.json) get distinct names.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import signal
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from assess.domain.errors import UsageError

if TYPE_CHECKING:
    from assess.services.render import Rendered

# Records a rendered assessment somewhere (the store) and says where, in a few words.
Keep = Callable[["Rendered"], str]

SUFFIXES = (".yaml", ".yml", ".json")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
Status = Literal["ok", "invalid", "fault", "skipped", "not_a_file", "interrupted"]


@dataclass(frozen=True)
class Job:
    index: int
    intake: Path
    name: str  # the outputs are OUTDIR/<name>.pdf and OUTDIR/<name>.json


@dataclass(frozen=True)
class Outcome:
    intake: str
    status: Status
    message: str
    urgency: str | None = None  # the referral's urgency, when the plan is a referral


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def plan_batch(folder: Path, outdir: Path) -> tuple[list[Job], list[Outcome]]:
    """The jobs for every intake in `folder`, and outcomes for entries that are not intakes
    one can read (a pipe, a device, a link that loops): reported, never skipped silently."""
    with contextlib.suppress(FileNotFoundError):
        if outdir.resolve() == folder.resolve() or os.path.samefile(outdir, folder):
            raise UsageError(f"the output folder {outdir} is the input folder: its JSON outputs would be "
                             "read as intakes next time; choose another folder")
    entries = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    readable: list[Path] = []
    refused: list[Outcome] = []
    for path in entries:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            why = "a symbolic link that loops" if exc.errno == 40 else (exc.strerror or "cannot be read")
            refused.append(Outcome(path.name, "not_a_file", f"{why}; not read"))
            continue
        if not stat.S_ISREG(mode):
            refused.append(Outcome(path.name, "not_a_file", f"{_kind(mode)}, not an intake file; not read"))
            continue
        readable.append(path)
    # Output names compare without case: on some file systems Client.yaml and client.json
    # would write the same client.pdf.
    stems: dict[str, int] = {}
    for path in readable:
        stems[path.stem.lower()] = stems.get(path.stem.lower(), 0) + 1
    jobs = [Job(i, path, path.stem if stems[path.stem.lower()] == 1 else path.name)
            for i, path in enumerate(readable)]
    return jobs, refused


def renamed(jobs: list[Job]) -> list[Job]:
    """Jobs whose outputs carry the full file name because another intake shares the stem."""
    return [j for j in jobs if j.name != j.intake.stem]


def _die_with_parent() -> None:
    # Linux: the kernel sends SIGTERM to this worker when its parent dies, even by SIGKILL,
    # so no orphan keeps writing. Elsewhere the worker checks its parent between intakes.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop(signum: int, frame: object) -> None:
    # Never raise from here: the signal may land inside a finalizer, which would swallow the
    # exception and carry on. Remove the files being written and leave at once.
    from assess.files.outputs import abandon

    abandon()
    os._exit(128 + signum)


def assess_one(job: Job, outdir: Path, with_audit: bool, keep: Keep | None = None) -> Outcome:
    """Assess one intake into OUTDIR/<name>.pdf and .json; never raises for bad input.
    `keep`, when given, records the result (in the store) before the files are written, so
    that a file on disk always has its record."""
    from assess.domain.errors import InvalidInput
    from assess.files.outputs import Output, write_together
    from assess.services.render import assess_and_render

    kept = ""
    try:
        done = assess_and_render(job.intake, with_audit=with_audit)
        assessment = done.assessment
        if keep is not None:
            kept = f"; {keep(done)}"
        write_together([Output(str(outdir / f"{job.name}.pdf"), "PDF", done.pdf),
                        Output(str(outdir / f"{job.name}.json"), "JSON", done.json_bytes)])
    except InvalidInput as exc:
        return Outcome(job.intake.name, "invalid", str(exc))
    except Exception as exc:  # one intake's fault must not stop the batch
        return Outcome(job.intake.name, "fault", f"{type(exc).__name__}: {exc}")
    plan = assessment.plan
    if plan.referral and plan.referral_detail:
        return Outcome(job.intake.name, "ok", f"referral: {plan.referral_detail.label}{kept}",
                       urgency=plan.referral_detail.urgency)
    return Outcome(job.intake.name, "ok", f"{len(plan.exercise_ids())} exercises{kept}")


def _worker(conn: Connection, outdir: Path, with_audit: bool, parent: int, keep: Keep | None) -> None:
    _die_with_parent()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    # Ctrl-C reaches the whole process group; the parent decides, and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 0
    try:
        from assess.inference.engine import default_engine

        default_engine()  # build the engine (and import experta) once per worker
        conn.send(("ready", None))
        while os.getppid() == parent:
            job = conn.recv()
            if job is None:
                break
            conn.send(("done", assess_one(job, outdir, with_audit, keep)))
    except (SystemExit, EOFError, BrokenPipeError, KeyboardInterrupt) as exc:
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 1
    finally:
        # Leave at once: finalizers of half-used rendering objects have nothing to save.
        os._exit(code)


def already_done(job: Job, outdir: Path) -> bool:
    """`--resume`: both outputs exist and were made from this very intake and rule set."""
    from assess.definitions.intake import validate_intake
    from assess.files.intake_io import read_intake_file
    from assess.inference.engine import default_engine
    from assess.services.pipeline import input_digest

    pdf, data = outdir / f"{job.name}.pdf", outdir / f"{job.name}.json"
    if not (pdf.is_file() and data.is_file()):
        return False
    try:
        identity = json.loads(data.read_text(encoding="utf-8"))["identity"]
        doc = read_intake_file(job.intake)
        if isinstance(doc, dict) and "resourceType" in doc:
            from assess.fhir.incoming import fhir_intake

            doc = fhir_intake(doc, str(job.intake))
        intake = validate_intake(doc).model_dump(mode="json", exclude_unset=True)
    except Exception:
        return False
    return bool(identity.get("input_sha256") == input_digest(intake)
                and identity.get("ruleset", {}).get("sha256") == default_engine().kb.sha256)


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    interrupted_by: int | None  # the signal that stopped the batch, if one did


def run_batch(jobs: list[Job], outdir: Path, *, workers: int, with_audit: bool = True,
              on_done: Callable[[Outcome], None] | None = None, keep: Keep | None = None) -> BatchResult:
    """Assess every job with `workers` processes; outcomes in job order."""
    ctx: Any = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    results: dict[int, Outcome] = {}
    stopped: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stopped.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    pool: list[tuple[Any, Connection]] = []
    holding: dict[Connection, Job | None] = {}
    started = time.time()
    try:
        for _ in range(min(workers, len(jobs)) or 1):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(theirs, outdir, with_audit, os.getpid(), keep),
                               daemon=True)
            proc.start()
            theirs.close()
            pool.append((proc, mine))
            holding[mine] = None
        queue = list(jobs)
        live = {conn for _, conn in pool}
        while live and not stopped and len(results) < len(jobs):
            for conn in cast(list[Connection], wait(list(live), timeout=0.2)):
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError):
                    live.discard(conn)  # the worker died; its job is settled below
                    continue
                if kind == "done":
                    job = holding[conn]
                    assert job is not None and isinstance(payload, Outcome)
                    results[job.index] = payload
                    if on_done:
                        on_done(payload)
                nxt = queue.pop(0) if queue else None
                holding[conn] = nxt
                conn.send(nxt)
                if nxt is None:
                    live.discard(conn)
    finally:
        for proc, _ in pool:
            if proc.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        for proc, conn in pool:
            proc.join(timeout=15)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
            conn.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    outcomes = []
    for job in jobs:
        if job.index in results:
            outcomes.append(results[job.index])
            continue
        # Not reported: finished on disk just before the stop, or not done at all.
        files = [outdir / f"{job.name}.{ext}" for ext in ("pdf", "json")]
        if all(f.is_file() and f.stat().st_mtime >= started for f in files):
            outcomes.append(Outcome(job.intake.name, "ok", "written before the stop"))
        elif stopped:
            outcomes.append(Outcome(job.intake.name, "interrupted", "not written (stopped midway)"))
        else:
            outcomes.append(Outcome(job.intake.name, "fault", "its worker process stopped unexpectedly"))
    return BatchResult(outcomes, stopped[0] if stopped else None)


def exit_code(result: BatchResult) -> int:
    """128 + signal if stopped; 1 an internal fault in any; 2 some inputs were invalid; 0."""
    if result.interrupted_by is not None:
        return 128 + result.interrupted_by
    if any(o.status == "fault" for o in result.outcomes):
        return 1
    return 2 if any(o.status in ("invalid", "not_a_file") for o in result.outcomes) else 0
