"""Where the data folders are: beside the package in a checkout, inside it once installed."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def data_dir(name: str) -> Path:
    """The folder `name` (rules, questionnaires, report_templates, examples)."""
    # A wheel carries the folders under assess/_data (see pyproject's force-include);
    # a checkout or an editable install keeps them at the top of the repository.
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found beside or inside the package")
