"""`assess correct`: a new version of a stored assessment, from a corrected intake, that names
the version it replaces, who made it and why; the old version stays in the store as it was."""

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
def correct(
    assessment: Annotated[str, typer.Argument(help="The stored assessment's id (or its first characters).")],
    update: Annotated[str, typer.Argument(
        help="The correction, YAML or JSON: a whole intake, or only the fields that were wrong "
             "(answers, measurements, date, outcomes, retests); - reads standard input.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is corrected (kept with the correction).")],
    output: PdfOpt = "plan.pdf",
    json_path: JsonOpt = None,
    no_audit: NoAuditOpt = False,
    page_size: PageOpt = PaperChoice.A4,
    force: ForceOpt = False,
    db: DbOpt = None,
    by: ByOpt = None,
) -> None:
    """Correct a stored assessment: assess the corrected intake and save it as a new version.

    Example: assess correct 3f2a9c1e fix.yaml --reason "hip flexion was entered on the wrong side"

    The correction is laid over the stored intake (what it does not give stays as it was) and
    assessed again, a review against the same earlier visits. The new version names the one it
    replaces, who made it (--by) and why (--reason); history, show and impact use the new
    version, and export still gives the old one by its id. Exit codes as for run: 2 for an
    invalid correction, an assessment already corrected (correct its newer version) or a
    correction that names another client, with nothing written or saved.
    """
    with errors():
        from assess.domain.assessment import Assessment
        from assess.services.review import assess_correction
        from assess.store.corrections import check_current, save_correction
        from assess.store.database import open_store, resolve_url
        from assess.store.records import earlier_documents, get_assessment, recorder

        url = resolve_url(db)
        check_plan_outputs(output, json_path, update, force=force)
        store = open_store(url)
        stored, _pdf, _sha = get_assessment(store, assessment)
        check_current(store, stored.id)  # before assessing: the save checks again in its transaction
        old = stored.assessment()
        history = [Assessment.model_validate_json(d) for d in earlier_documents(url, stored.id)] \
            if old.review is not None else []
        done = assess_correction(Path(update), old, history, with_audit=not no_audit,
                                 page_size="letter" if page_size is PaperChoice.letter else "A4")
        who = recorder(by, done.assessment.clinician)
        saved = save_correction(store, stored.id, done.assessment, json_bytes=done.json_bytes, pdf=done.pdf,
                                recorded_by=who, reason=reason)
        from assess.store.access_log import record

        record(store, "corrected an assessment", actor=f"{who} (command line)", client_id=saved.client_id,
               assessment_id=saved.assessment_id, detail=f"new version of {stored.id[:8]}: {reason}")
        to_stderr = "-" in (output, json_path)
        say(f"saved as assessment {saved.assessment_id[:8]}, correcting {stored.id[:8]} (by {who}: {reason})",
            to_stderr=to_stderr)
        say(write_plan_outputs(output, json_path, done.pdf, done.json_bytes), to_stderr=to_stderr)
