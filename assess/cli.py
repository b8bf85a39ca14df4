"""The `assess` command. It only calls the library and turns its errors into exit codes.

Heavy imports (pydantic models, experta, WeasyPrint) happen inside the commands, so that
`assess --help` stays quick.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Hip mobility and low back pain assessment: intake -> rules -> printable plan.",
)
out = Console()
err = Console(stderr=True)


class PageSize(StrEnum):
    A4 = "A4"
    letter = "letter"


class RulesFormat(StrEnum):
    md = "md"
    json = "json"


def _fail(message: str, code: int) -> NoReturn:
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Bad input -> exit 2 with every problem named; anything else -> exit 1, no traceback."""
    from assess.errors import AssessError

    try:
        yield
    except AssessError as exc:
        _fail(f"error: {exc}", exc.exit_code)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)
    except Exception as exc:
        if os.environ.get("ASSESS_DEBUG"):
            raise
        _fail(f"internal fault: {type(exc).__name__}: {exc} (set ASSESS_DEBUG=1 for details)", 1)


def _version(value: bool) -> None:
    if value:
        from assess import __version__

        out.print(f"assess {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Hip mobility and low back pain assessment: intake -> rules -> printable plan."""


def _write_outputs(assessment: Any, pdf: Path, json_path: Path | None, *, audit: bool,
                   page_size: PageSize, archival: bool) -> None:
    from assess.report import render_pdf, write_atomic

    data = render_pdf(assessment, with_audit=audit, page_size=page_size.value, archival=archival)
    if json_path is not None:
        write_atomic(json_path, assessment.to_json().encode("utf-8"))
    write_atomic(pdf, data)


def _say(text: str) -> None:
    # Plain text, never markup, never wrapped mid-line (the lines are read by scripts too).
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _summary(assessment: Any, pdf: Path, json_path: Path | None) -> None:
    plan = assessment.plan
    if plan.referral:
        _say(f"Referral ({plan.referral_detail.label}): {plan.reason}")
        _say("No exercise plan was issued.")
    else:
        n = len(plan.exercise_ids())
        patterns = ", ".join(dict.fromkeys(p.text for p in assessment.patterns)) or "nothing specific"
        _say(f"Found: {patterns}")
        if assessment.precautions:
            _say("Precautions: " + "; ".join(p.title for p in assessment.precautions))
        if n:
            _say(f"Plan: {n} exercise(s) in {len(plan.blocks)} block(s); review on {plan.review_date}")
        else:
            _say("Plan: no exercise is needed from this assessment.")
        for letter in plan.letters:
            _say(f"Letter to the {letter.to}: {letter.reason}")
    if plan.clinician_review.required:
        _say(f"Needs a clinician's review before it starts ({len(plan.clinician_review.reasons)} reason(s); "
             "see the sign-off section of the PDF)")
    _say(f"Wrote {pdf}" + (f" and {json_path}" if json_path else ""))


PdfOpt = Annotated[Path, typer.Option("-o", "--output", help="Where to write the PDF.")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Also write the assessment as JSON.")]
NoAuditOpt = Annotated[bool, typer.Option("--no-audit", help="Leave out the clinician appendix.")]
PageOpt = Annotated[PageSize, typer.Option("--page-size", help="Paper size.")]
ArchivalOpt = Annotated[bool, typer.Option("--archival", help="Write PDF/A-3b.")]


@app.command()
def demo(
    output: PdfOpt = Path("plan.pdf"),
    json_path: JsonOpt = None,
    no_audit: NoAuditOpt = False,
    page_size: PageOpt = PageSize.A4,
) -> None:
    """Render the bundled example intake to a PDF plan.

    Example: assess demo -o plan.pdf
    """
    with _errors():
        from assess.paths import data_dir
        from assess.pipeline import assess_file

        assessment = assess_file(data_dir("examples") / "deadlift_lockout.yaml")
        _write_outputs(assessment, output, json_path, audit=not no_audit, page_size=page_size,
                       archival=False)
        _summary(assessment, output, json_path)


@app.command()
def run(
    intake: Annotated[Path, typer.Argument(help="Intake file, YAML or JSON.")],
    output: PdfOpt = Path("plan.pdf"),
    json_path: JsonOpt = None,
    no_audit: NoAuditOpt = False,
    page_size: PageOpt = PageSize.A4,
    archival: ArchivalOpt = False,
) -> None:
    """Assess an intake and write the PDF plan (or referral letter).

    Example: assess run examples/deadlift_lockout.yaml -o plan.pdf --json assessment.json

    Exit codes: 0 done; 2 the intake is invalid (every problem named, nothing written);
    1 an internal fault.
    """
    with _errors():
        from assess.pipeline import assess_file

        assessment = assess_file(intake)
        _write_outputs(assessment, output, json_path, audit=not no_audit, page_size=page_size,
                       archival=archival)
        _summary(assessment, output, json_path)


@app.command()
def schema() -> None:
    """Print the JSON Schema of an intake file.

    Example: assess schema > intake.schema.json
    """
    with _errors():
        from assess.models import intake_model

        out.print_json(json.dumps(intake_model().model_json_schema()))


@app.command()
def rules(fmt: Annotated[RulesFormat, typer.Option("--format", help="md or json.")] = RulesFormat.md) -> None:
    """Print the rule catalogue: id, title, phase, rationale, source, conclusion.

    Example: assess rules --format md > docs/rules.md
    """
    with _errors():
        from assess.catalogue import rules_json, rules_markdown

        sys.stdout.write(rules_markdown() if fmt is RulesFormat.md else rules_json())


@app.command()
def explain(
    assessment_json: Annotated[Path, typer.Argument(help="An assessment written with --json.")],
    exercise: Annotated[str | None, typer.Option("--exercise", help="Explain one exercise.")] = None,
) -> None:
    """Show the audit trail of an assessment: HOW each plan item was reached, WHY NOT the rest.

    Example: assess explain assessment.json --exercise jefferson_curl
    """
    with _errors():
        from assess.explain import explain_assessment, load_assessment

        explain_assessment(load_assessment(assessment_json), exercise=exercise, console=out)


@app.command()
def intake(
    output: Annotated[Path, typer.Option("-o", "--output", help="Intake file to write.")] = Path(
        "intake.yaml"),
    measurements: Annotated[Path | None, typer.Option(
        "--measurements", help="Add the clinician's measurements to this existing intake.")] = None,
) -> None:
    """Fill in the intake questionnaire in the terminal and write an intake file.

    Example: assess intake -o intake.yaml, then later:
    assess intake --measurements intake.yaml
    """
    with _errors():
        from assess.errors import FieldProblem, InvalidInput
        from assess.intake_io import dump_intake, read_intake_file
        from assess.interview import InterviewStopped, interview_answers, interview_measurements
        from assess.models import validate_intake
        from assess.questionnaire import questionnaire
        from assess.report import write_atomic
        from assess.screen_now import referral_so_far

        def ask(prompt: str) -> str:
            try:
                return out.input(prompt)
            except EOFError:
                # Input ran out (a closed terminal or a short script): bad input, not a fault.
                problem = FieldProblem("", "the input ended before the questionnaire was finished; "
                                           "nothing was written")
                raise InvalidInput("standard input", [problem]) from None

        def say(text: str) -> None:
            out.print(text, markup=False, highlight=False)

        data: dict[str, Any]
        if measurements is not None:
            loaded = read_intake_file(measurements)
            validate_intake(loaded, source=str(measurements))
            assert isinstance(loaded, dict)
            data = loaded
            data["measurements"] = interview_measurements(ask, say)
            target = measurements
        else:
            try:
                answers = interview_answers(ask, say)
            except InterviewStopped as stop:
                say(f"\nStopped; nothing was written. {stop.referral.label}: {stop.referral.action}")
                return
            q = questionnaire()
            data = {"questionnaire": f"{q.id}/{q.version}", "answers": answers}
            more = ask("\nAdd the clinician's measurements now? [y/N]: ").strip().lower()
            if more in ("y", "yes"):
                data["measurements"] = interview_measurements(ask, say)
            target = output
        validate_intake(data, source=str(target))
        write_atomic(target, dump_intake(data).encode("utf-8"))
        out.print(f"Wrote {target}. Next: assess run {target} -o plan.pdf", markup=False)
        referral = referral_so_far(data["answers"])
        if referral is not None:
            say(f"Remember: {referral.label}: {referral.action}")


@app.command()
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder of intake files (.yaml, .yml, .json).")],
    outdir: Annotated[Path, typer.Option("-o", "--output", help="Folder for the PDFs and JSON.")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 2,
    no_audit: NoAuditOpt = False,
) -> None:
    """Assess every intake in a folder: one PDF and one JSON each, in parallel.

    Example: assess batch intakes/ -o plans/ --jobs 2

    A bad intake is reported and the others go on. Exit codes: 0 all done; 2 some intakes
    were invalid; 1 an internal fault in any. Stopping it leaves no partial PDF.
    """
    with _errors():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from assess.batch import Outcome, exit_code, intakes_in, run_batch
        from assess.errors import FieldProblem, InvalidInput

        if not folder.is_dir():
            raise InvalidInput(str(folder), [FieldProblem("", "is not a folder")])
        paths = intakes_in(folder)
        if not paths:
            raise InvalidInput(str(folder), [FieldProblem("", "holds no .yaml, .yml or .json intake")])
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=False) as progress:
            task = progress.add_task("assessing", total=len(paths))

            def done(outcome: Outcome) -> None:
                progress.advance(task)
                if outcome.status != "ok":
                    progress.console.print(f"{outcome.intake}: {outcome.status}: {outcome.message}",
                                           markup=False, highlight=False)

            outcomes = run_batch(paths, outdir, jobs=jobs, with_audit=not no_audit, on_done=done)
        ok = sum(o.status == "ok" for o in outcomes)
        out.print(f"{ok} of {len(paths)} intakes assessed into {outdir}", markup=False)
        code = exit_code(outcomes)
        if code:
            raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
