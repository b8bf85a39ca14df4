"""The `assess` command's typer app with every command registered, and its --version."""

from __future__ import annotations

from typing import Annotated

import typer

from assess.cli import (  # noqa: F401 - they register
    accounts_cmd,
    assess_cmds,
    batch_cmd,
    correct_cmd,
    fhir_cmd,
    intake_cmd,
    review_cmd,
    serve_cmd,
    store_cmds,
)
from assess.cli.common import app, out


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


__all__ = ["app"]
