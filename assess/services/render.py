"""One path from an intake file to its assessment, PDF and JSON bytes, shared by `assess run`
and `assess batch` (and by anything that stores or serves them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assess.domain.assessment import Assessment
from assess.rendering.letterhead import Letterhead
from assess.rendering.pdf import PageSize, PdfRequest, pdf_from_html
from assess.rendering.report import render_html
from assess.services.pipeline import assess_file


@dataclass(frozen=True)
class Rendered:
    """An assessment with the two files that record it, ready to be written together."""

    assessment: Assessment
    pdf: bytes
    json_bytes: bytes


def assess_and_render(path: Path, *, with_audit: bool = True, page_size: PageSize = "A4",
                      archival: bool = False, now: dt.datetime | None = None,
                      pdf_maker: Callable[[PdfRequest], bytes] = pdf_from_html,
                      letterhead: Letterhead | None = None) -> Rendered:
    """An intake file to its assessment, PDF and JSON: the one path the CLI and batch share.
    `pdf_maker` turns the finished HTML into the PDF (rendering.ahead's helper process, or
    WeasyPrint here)."""
    return rendered(assess_file(path, now=now), with_audit=with_audit, page_size=page_size,
                    archival=archival, pdf_maker=pdf_maker, letterhead=letterhead)


def rendered(assessment: Assessment, *, with_audit: bool = True, page_size: PageSize = "A4",
             archival: bool = False, pdf_maker: Callable[[PdfRequest], bytes] = pdf_from_html,
             letterhead: Letterhead | None = None) -> Rendered:
    """An assessment with its PDF and JSON bytes (the JSON is written once and attached as is)."""
    as_json = assessment.to_json()
    pdf = pdf_maker(PdfRequest(render_html(assessment, with_audit=with_audit, letterhead=letterhead),
                               as_json if with_audit else None, assessment.generated_at,
                               page_size, archival))
    return Rendered(assessment=assessment, pdf=pdf, json_bytes=as_json.encode("utf-8"))
