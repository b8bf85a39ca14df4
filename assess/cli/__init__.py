"""The `assess` command. It only calls the library and turns its errors into exit codes."""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    if sys.argv[1:2] in (["run"], ["demo"]) and "--help" not in sys.argv:
        # These render a PDF: WeasyPrint starts loading in a helper process now, before typer
        # is even imported, while this process parses the command line and assesses the
        # intake (rendering.ahead).
        from assess.rendering.ahead import start_early

        start_early()
    from assess.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    # `from assess.cli import app`: the typer app, loaded on first use so that `main` can fork
    # its helper before importing typer.
    if name == "app":
        from assess.cli.commands import app

        return app
    raise AttributeError(f"module 'assess.cli' has no attribute {name!r}")


__all__ = ["app", "main"]
