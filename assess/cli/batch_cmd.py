"""`assess batch`: every intake in a folder, in worker processes, with a progress bar."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from assess.cli.common import ByOpt, DbOpt, NoAuditOpt, SaveOpt, app, err, errors, say


@app.command()
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder of intake files (.yaml, .yml, .json).")],
    outdir: Annotated[Path, typer.Option("-o", "--output", help="Folder for the PDFs and JSON.")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 2,
    no_audit: NoAuditOpt = False,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Skip intakes whose PDF and JSON exist and were made from the same intake "
                         "and rule set.")] = False,
    save: SaveOpt = False,
    db: DbOpt = None,
    by: ByOpt = None,
) -> None:
    """Assess every intake in a folder: one PDF and one JSON each, in parallel.

    Example: assess batch intakes/ -o plans/ --jobs 2

    A bad intake is reported and the others go on; entries that are not regular files are
    reported too. Two intakes that would share an output name (client.yaml, client.json) get
    distinct names (client.yaml.pdf, client.json.pdf), said in the summary. Stopping it
    (Ctrl-C, SIGTERM, SIGHUP) keeps what is finished and leaves nothing partial; the summary
    says what was written. Exit codes: 0 all done; 2 some inputs were invalid; 1 an internal
    fault in any; 128 + the signal number if it was stopped. With --save each assessment is
    also recorded in the store (one transaction each) before its files are written.
    """
    with errors():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from assess.domain.errors import FieldProblem, InvalidInput
        from assess.files.outputs import remove_stale_parts
        from assess.services.batch import Outcome, already_done, exit_code, plan_batch, renamed, run_batch

        keep = None
        if save:
            import functools

            from assess.store.database import open_store, resolve_url
            from assess.store.records import keep_rendered

            url = resolve_url(db)
            open_store(url)  # a store that cannot be opened stops the batch before it starts
            keep = functools.partial(keep_rendered, url, by)
        if not folder.is_dir():
            raise InvalidInput(str(folder), [FieldProblem("", "is not a folder")], what="folder of intakes")
        outdir.mkdir(parents=True, exist_ok=True)
        job_list, refused = plan_batch(folder, outdir)
        if not job_list and not refused:
            raise InvalidInput(str(folder), [FieldProblem("", "holds no .yaml, .yml or .json intake")],
                               what="folder of intakes")
        for job in renamed(job_list):
            say(f"{job.intake.name} shares its name with another intake: its outputs are "
                f"{job.name}.pdf and {job.name}.json", to_stderr=True)
        for stale in remove_stale_parts(outdir):
            say(f"removed {stale.name}, left by a run that was stopped mid-write", to_stderr=True)
        skipped = [Outcome(j.intake.name, "skipped", "already done") for j in job_list
                   if resume and already_done(j, outdir)]
        todo = [j for j in job_list if j.intake.name not in {s.intake for s in skipped}]
        for outcome in refused:
            say(f"{outcome.intake}: {outcome.message}", to_stderr=True)
        # No refresh thread: the workers are forked after the bar exists.
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=False, auto_refresh=False) as progress:
            task = progress.add_task("assessing", total=len(todo))
            progress.refresh()

            def done(outcome: Outcome) -> None:
                progress.advance(task)
                if outcome.status != "ok":
                    progress.console.print(f"{outcome.intake}: {outcome.status}: {outcome.message}",
                                           markup=False, highlight=False, soft_wrap=True)
                progress.refresh()

            result = run_batch(todo, outdir, workers=jobs, with_audit=not no_audit, on_done=done, keep=keep)
        outcomes = result.outcomes + skipped + refused
        _summarise(outcomes, result.interrupted_by, outdir, total=len(job_list) + len(refused))
        code = exit_code(type(result)(outcomes, result.interrupted_by))
        if code:
            raise typer.Exit(code)


def _summarise(outcomes: list, interrupted_by: int | None, outdir: Path, *, total: int) -> None:  # type: ignore[type-arg]
    import signal

    written = [o for o in outcomes if o.status == "ok"]
    referrals = Counter(o.urgency for o in written if o.urgency)
    plans = len(written) - sum(referrals.values())
    parts = [f"{plans} plan(s)"]
    if referrals:
        by_urgency = ", ".join(f"{n} {u}" for u, n in sorted(referrals.items()))
        parts.append(f"{sum(referrals.values())} referral(s) ({by_urgency})")
    counts = Counter(o.status for o in outcomes)
    for status, words in (("skipped", "already done"), ("invalid", "invalid"),
                          ("not_a_file", "not an intake file"), ("fault", "failed"),
                          ("interrupted", "not written")):
        if counts[status]:
            parts.append(f"{counts[status]} {words}")
    head = f"{len(written)} of {total} intakes assessed into {outdir}"
    if interrupted_by is not None:
        head = f"interrupted by {signal.Signals(interrupted_by).name}: {head}; nothing partial was left"
    say(f"{head}: " + "; ".join(parts))
