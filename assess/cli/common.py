"""What every command shares: the app, the consoles, and the one place errors become exit codes.

Heavy imports (pydantic models, experta, WeasyPrint) happen inside the commands, so that
`assess --help` stays quick.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

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


class PaperChoice(StrEnum):
    """The --page-size choices (the renderer's PageSize, as a command-line enum)."""

    A4 = "A4"
    letter = "letter"


def say(text: str, *, to_stderr: bool = False) -> None:
    """One line of plain text: never markup, never wrapped mid-line, control characters shown
    as escapes (a client's name may hold anything)."""
    from assess.domain.errors import printable

    (err if to_stderr else out).print(printable(text), markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> NoReturn:
    say(message, to_stderr=True)
    raise typer.Exit(code)


@contextmanager
def errors() -> Iterator[None]:
    """Bad input -> exit 2 with every problem named; anything else -> exit 1, no traceback."""
    from assess.domain.errors import AssessError

    try:
        yield
    except AssessError as exc:
        fail(f"error: {exc}", exc.exit_code)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", 128 + signal.SIGINT)
    except Exception as exc:
        if os.environ.get("ASSESS_DEBUG"):
            raise
        fail(f"internal fault: {type(exc).__name__}: {exc} (set ASSESS_DEBUG=1 for details)", 1)


PdfOpt = Annotated[str, typer.Option(
    "-o", "--output", help="Where to write the PDF (.pdf); - writes it to standard output.")]
JsonOpt = Annotated[str | None, typer.Option(
    "--json", help="Also write the assessment as JSON (.json); - writes it to standard output.")]
NoAuditOpt = Annotated[bool, typer.Option(
    "--no-audit", help="A PDF for the client only: without it the PDF also carries the clinician "
                       "appendix and, attached as assessment.json, the full assessment (every answer, "
                       "the red-flag screen and the audit trail); with it, neither.")]
PageOpt = Annotated[PaperChoice, typer.Option("--page-size", help="Paper size.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace output files that already exist.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Store URL: sqlite:///FILE or postgresql://USER@HOST/NAME (default: $ASSESS_DB, "
                 "else a SQLite file in the user's data folder).", show_default=False)]
SaveOpt = Annotated[bool, typer.Option("--save", help="Also record the assessment in the store (--db).")]
ByOpt = Annotated[str | None, typer.Option(
    "--by", help="Who records it: an account's username (the record is then that account's, signed "
                 "with its name), or a name (default: the intake's clinician, else $ASSESS_USER, else "
                 "the login name).", show_default=False)]


def as_path(value: str) -> Path:
    return Path(value)


def check_plan_outputs(output: str, json_path: str | None, source: str, *, force: bool) -> None:
    """Before anything runs: the PDF (and JSON) may be written, and neither is the input."""
    from assess.files.outputs import Output, check_outputs

    wanted = [Output(output, "PDF")] + ([Output(json_path, "JSON")] if json_path else [])
    check_outputs(wanted, inputs=[] if source == "-" else [Path(source)], force=force)


def write_plan_outputs(output: str, json_path: str | None, pdf: bytes, json_bytes: bytes) -> str:
    """Write the PDF (and JSON) together or not at all; the words say where they went."""
    from assess.files.outputs import Output, write_together

    outputs = [Output(output, "PDF", pdf)] + ([Output(json_path, "JSON", json_bytes)] if json_path else [])
    write_together(outputs)
    return "Wrote " + " and ".join(p if p != "-" else "standard output" for p in (output, json_path) if p)
