"""One path from an intake file to its assessment, PDF and JSON bytes, shared by `assess run`
and `assess batch` (and by anything that stores or serves them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from assess.domain.assessment import Assessment
from assess.rendering.report import PageSize, render_pdf
from assess.services.pipeline import assess_file


@dataclass(frozen=True)
class Rendered:
    """An assessment with the two files that record it, ready to be written together."""

    assessment: Assessment
    pdf: bytes
    json_bytes: bytes


def assess_and_render(path: Path, *, with_audit: bool = True, page_size: PageSize = "A4",
                      archival: bool = False, now: dt.datetime | None = None) -> Rendered:
    """An intake file to its assessment, PDF and JSON: the one path the CLI and batch share."""
    assessment = assess_file(path, now=now)
    pdf = render_pdf(assessment, with_audit=with_audit, page_size=page_size, archival=archival)
    return Rendered(assessment=assessment, pdf=pdf, json_bytes=assessment.to_json().encode("utf-8"))
