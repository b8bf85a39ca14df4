"""`assess review`: a stored client's review visit, assessed against their earlier visits,
rendered with its progress page and saved to the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assess.cli.common import (
    ByOpt,
    DbOpt,
    ForceOpt,
    JsonOpt,
    NoAuditOpt,
    PageOpt,
    PaperChoice,
    PdfOpt,
    app,
    check_plan_outputs,
    errors,
    say,
    write_plan_outputs,
)


@app.command()
def review(
    client: Annotated[str, typer.Argument(help="The stored client's name or id (or its first characters).")],
    update: Annotated[str, typer.Argument(
        help="What was recorded at the review, YAML or JSON: a whole intake, or only what changed "
             "(answers, measurements, outcomes such as hoos_jr, retests); - reads standard input.")],
    output: PdfOpt = "plan.pdf",
    json_path: JsonOpt = None,
    no_audit: NoAuditOpt = False,
    page_size: PageOpt = PaperChoice.A4,
    force: ForceOpt = False,
    db: DbOpt = None,
    by: ByOpt = None,
) -> None:
    """Assess a review visit of a stored client, against their earlier visits, and save it.

    Example: assess review "Sam Carter" review.yaml -o review.pdf --db sqlite:///clinic.db

    What the update does not give is carried over from the last visit; the date, entered
    scores and re-tests are this visit's only. A staged exercise moves on only when its re-test
    passed and its weeks are done, stays otherwise, and steps back if pain rose by its MCID
    (rules/progression.yaml, rules/outcomes.yaml). The PDF gains a progress page. Exit codes as
    for run: 2 for an invalid update or an unknown client, nothing written or saved.
    """
    with errors():
        from assess.domain.errors import UsageError
        from assess.services.review import assess_review
        from assess.store.database import open_store, resolve_url
        from assess.store.records import history, keep_rendered

        url = resolve_url(db)
        check_plan_outputs(output, json_path, update, force=force)
        name, stored = history(open_store(url), client)
        if not stored:
            raise UsageError(f"{name} has no stored assessment to review against")
        done = assess_review(Path(update), [s.assessment() for s in stored], with_audit=not no_audit,
                             page_size="letter" if page_size is PaperChoice.letter else "A4")
        to_stderr = "-" in (output, json_path)
        say(keep_rendered(url, by, done, stored[-1].client_id), to_stderr=to_stderr)
        wrote = write_plan_outputs(output, json_path, done.pdf, done.json_bytes)
        a, rev = done.assessment, done.assessment.review
        if a.plan.referral:
            say(f"Referral: {a.plan.reason}. No exercise plan was issued.", to_stderr=to_stderr)
        if rev is not None:
            say(f"Review of {name}, {rev.weeks:g} weeks after {rev.previous_on}:", to_stderr=to_stderr)
            for o in rev.outcomes:
                say(f"  {o.title}: {o.before:g} -> {o.after:g} ({o.trend})", to_stderr=to_stderr)
            for s in rev.stages:
                say(f"  {s.now}: {s.because} [{s.rule}]", to_stderr=to_stderr)
        say(wrote, to_stderr=to_stderr)
