"""`assess demo`, `assess run`, and the commands that describe the knowledge base and the intake."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    SaveOpt,
    app,
    errors,
    out,
    say,
)

if TYPE_CHECKING:
    from assess.domain.assessment import Assessment
    from assess.rendering.pdf import PageSize


class RulesFormat(StrEnum):
    md = "md"
    json = "json"


def _assess_and_write(intake: str, pdf_path: str, json_path: str | None, *, audit: bool,
                      page_size: PaperChoice, archival: bool, force: bool, store: str | None = None,
                      by: str | None = None, client: str | None = None, born: dt.date | None = None) -> None:
    """Check the outputs (and open the store), assess, render, record it in the store when
    asked, then write the PDF and the JSON together."""
    from assess.rendering.ahead import claim

    paper: PageSize = "letter" if page_size is PaperChoice.letter else "A4"
    with claim() as ahead:  # WeasyPrint loads in a helper while this process assesses
        from assess.files.outputs import Output, check_outputs, write_together
        from assess.services.render import assess_and_render

        wanted = [Output(pdf_path, "PDF")] + ([Output(json_path, "JSON")] if json_path else [])
        check_outputs(wanted, inputs=[] if intake == "-" else [Path(intake)], force=force)
        head = None
        if store:
            from assess.store.clinic import letterhead_for
            from assess.store.database import open_store

            # A store that cannot be opened stops the run before anything is written; the PDF of
            # a saved record carries the clinic and the account that signs it.
            head = letterhead_for(open_store(store), by)
        done = assess_and_render(Path(intake), with_audit=audit, page_size=paper, archival=archival,
                                 pdf_maker=ahead.render, letterhead=head)
    if store:
        from assess.store.records import keep_rendered

        say(keep_rendered(store, by, done, client, born),
            to_stderr="-" in (pdf_path, json_path))
    outputs = [Output(pdf_path, "PDF", done.pdf)]
    if json_path:
        outputs.append(Output(json_path, "JSON", done.json_bytes))
    write_together(outputs)
    _summary(done.assessment, pdf_path, json_path, to_stderr="-" in (pdf_path, json_path))


def _summary(assessment: Assessment, pdf: str, json_path: str | None, *, to_stderr: bool) -> None:
    def line(text: str) -> None:
        say(text, to_stderr=to_stderr)

    plan = assessment.plan
    if plan.referral and plan.referral_detail:
        line(f"Referral ({plan.referral_detail.label}): {plan.reason}")
        line("No exercise plan was issued.")
    else:
        n = len(plan.exercise_ids())
        patterns = ", ".join(dict.fromkeys(p.text for p in assessment.patterns)) or "nothing specific"
        line(f"Found: {patterns}")
        if assessment.precautions:
            line("Precautions: " + "; ".join(p.title for p in assessment.precautions))
        if n:
            line(f"Plan: {n} exercise(s) in {len(plan.blocks)} block(s); review on {plan.review_date}")
        else:
            line("Plan: no exercise is needed from this assessment.")
        for letter in plan.letters:
            line(f"Letter to the {letter.to}: {letter.reason}")
    if plan.clinician_review.required:
        line(f"Needs a clinician's review before it starts ({len(plan.clinician_review.reasons)} reason(s); "
             "see the sign-off section of the PDF)")
    written = [p if p != "-" else "standard output" for p in (pdf, json_path) if p]
    line("Wrote " + " and ".join(written))


@app.command()
def demo(
    output: PdfOpt = "plan.pdf",
    json_path: JsonOpt = None,
    no_audit: NoAuditOpt = False,
    page_size: PageOpt = PaperChoice.A4,
    force: ForceOpt = False,
) -> None:
    """Render the bundled example intake to a PDF plan.

    Example: assess demo -o plan.pdf
    """
    with errors():
        from assess.definitions.paths import data_dir

        _assess_and_write(str(data_dir("examples") / "deadlift_lockout.yaml"), output, json_path,
                          audit=not no_audit, page_size=page_size, archival=False, force=force)


@app.command()
def run(
    intake: Annotated[str, typer.Argument(help="Intake file, YAML or JSON; - reads standard input.")],
    output: PdfOpt = "plan.pdf",
    json_path: JsonOpt = None,
    no_audit: NoAuditOpt = False,
    page_size: PageOpt = PaperChoice.A4,
    archival: Annotated[bool, typer.Option("--archival", help="Write PDF/A-3b.")] = False,
    force: ForceOpt = False,
    save: SaveOpt = False,
    db: DbOpt = None,
    by: ByOpt = None,
    client: Annotated[str | None, typer.Option(
        "--client", help="With --save: the stored client this visit belongs to (id or its first "
                         "characters). Without it a new client is made, and only when no stored "
                         "client of that name could be this person.", show_default=False)] = None,
    born: Annotated[dt.datetime | None, typer.Option(
        "--born", formats=["%Y-%m-%d"], help="With --save and no --client: the new client's date of birth "
                                             "(YYYY-MM-DD), which tells them from a stored client of the "
                                             "same name.", show_default=False)] = None,
) -> None:
    """Assess an intake and write the PDF plan (or referral letter).

    Example: assess run examples/deadlift_lockout.yaml -o plan.pdf --json assessment.json

    The outputs are checked first: neither may be the intake, a folder, a device or the other
    output, and an existing file is replaced only with --force. Both are written together or
    neither is. Exit codes: 0 done; 2 the intake or the command line is invalid (every problem
    named, nothing written); 1 an internal fault.
    """
    with errors():
        store = None
        if (client or by or db or born) and not save:
            from assess.domain.errors import UsageError

            raise UsageError("--client, --born, --by and --db go with --save")
        if client and born:
            from assess.domain.errors import UsageError

            raise UsageError("--born is for a new client; a stored --client keeps its own date of birth")
        if save:
            from assess.store.database import resolve_url

            store = resolve_url(db)
        _assess_and_write(intake, output, json_path, audit=not no_audit, page_size=page_size,
                          archival=archival, force=force, store=store, by=by, client=client,
                          born=born.date() if born else None)


@app.command()
def schema() -> None:
    """Print the JSON Schema of an intake file.

    Example: assess schema > intake.schema.json
    """
    with errors():
        from assess.definitions.intake_schema import intake_schema

        out.print_json(json.dumps(intake_schema()))


@app.command()
def rules(fmt: Annotated[RulesFormat, typer.Option("--format", help="md or json.")] = RulesFormat.md) -> None:
    """Print the rule catalogue: id, title, phase, rationale, source, conclusion.

    Example: assess rules --format md > docs/rules.md
    """
    with errors():
        from assess.reasoning.catalogue import rules_json, rules_markdown

        sys.stdout.write(rules_markdown() if fmt is RulesFormat.md else rules_json())


@app.command()
def explain(
    assessment_json: Annotated[Path, typer.Argument(help="An assessment written with --json.")],
    exercise: Annotated[str | None, typer.Option(
        "--exercise", help="Explain one exercise, by id or name (--list shows them).")] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="WHY NOT for every catalogue exercise, not only those related to what "
                      "was found.")] = False,
    listing: Annotated[bool, typer.Option("--list", help="List the exercises' ids and names.")] = False,
) -> None:
    """Show the audit trail of an assessment: HOW each plan item was reached, WHY NOT the rest.

    Example: assess explain assessment.json --exercise "Jefferson curl"

    Read from the assessment file alone (the trail and rule notes recorded when it was made),
    so an assessment made with an earlier rule set is explained as it was made.
    """
    with errors():
        from assess.cli.explain import explain_assessment, load_assessment
        from assess.definitions.knowledge import load_knowledge
        from assess.domain.errors import KnowledgeBaseError

        a = load_assessment(assessment_json)
        try:
            current = load_knowledge().sha256
        except KnowledgeBaseError:
            current = ""  # today's rules are not needed to explain a recorded trail
        explain_assessment(a, exercise=exercise, console=out, everything=everything,
                           listing=listing, current_sha256=current)
