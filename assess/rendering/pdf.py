"""HTML to PDF with WeasyPrint, the only module that imports it: the report's stylesheet, the
fetcher that serves only the report's own assets, tagging and the attached assessment.

Nothing is fetched because of data: the URL fetcher serves only files from
report_templates/assets under its own scheme.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from assess.definitions.paths import data_dir

PageSize = Literal["A4", "letter"]
ASSET_SCHEME = "assess-asset:"
LOGO_PREFIX = "data:image/png;base64,"


def asset_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves report_templates/assets and refuses the rest."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    assets = data_dir("report_templates") / "assets"

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols=())
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url: str, headers: object = None) -> Any:
            if url.startswith(LOGO_PREFIX):  # the clinic's logo, set by its administrator: no network
                import base64

                self.served.append("clinic logo")
                return URLFetcherResponse(url, body=base64.b64decode(url.removeprefix(LOGO_PREFIX)))
            name = url.removeprefix(ASSET_SCHEME)
            path = (assets / name).resolve()
            if url.startswith(ASSET_SCHEME) and path.is_file() and assets.resolve() in path.parents:
                self.served.append(url)
                return URLFetcherResponse(url, body=path.read_bytes())
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url!r}: only the report's own assets are served")

    return AssetFetcher()


@cache
def _stylesheet(page_size: PageSize) -> Any:
    from weasyprint import CSS

    css = (data_dir("report_templates") / "print.css").read_text(encoding="utf-8")
    size = "A4" if page_size == "A4" else "letter"
    return [CSS(string=css, url_fetcher=asset_fetcher()),
            CSS(string=f"@page {{ size: {size}; }}", url_fetcher=asset_fetcher())]


@dataclass(frozen=True)
class PdfRequest:
    """What WeasyPrint needs to make the PDF once the HTML is written: plain data, so another
    process can render it (see rendering.ahead)."""

    html: str
    attachment_json: str | None  # the full assessment, attached to the clinician's copy
    generated_at: str  # ISO time of the assessment, the PDF's own dates
    page_size: PageSize = "A4"
    archival: bool = False


def pdf_from_html(req: PdfRequest, *, fetcher: Any = None) -> bytes:
    """The tagged PDF of the finished HTML, with the assessment attached when given."""
    from weasyprint import HTML, Attachment

    fetcher = fetcher or asset_fetcher()
    generated = dt.datetime.fromisoformat(req.generated_at)
    html = HTML(string=req.html, base_url=ASSET_SCHEME, url_fetcher=fetcher)
    attachments = [] if req.attachment_json is None else [Attachment(
                            string=req.attachment_json.encode("utf-8"), name="assessment.json",
                            description="The full assessment: findings, plan and audit trail",
                            relationship="Data", url_fetcher=fetcher,
                            # The assessment's own time, not the clock: the same assessment
                            # renders to the same bytes.
                            created=generated, modified=generated)]
    pdf: bytes = html.write_pdf(
        stylesheets=_stylesheet(req.page_size),
        attachments=attachments,
        pdf_tags=True,
        pdf_variant="pdf/a-3b" if req.archival else None,
        uncompressed_pdf=False,
    )
    return pdf


def warm(page_size: PageSize = "A4") -> None:
    """Import WeasyPrint, parse the stylesheet and load the fonts, by laying out one line: what
    every first render pays before its own pages."""
    from weasyprint import HTML

    HTML(string="<p>Warm</p>", base_url=ASSET_SCHEME, url_fetcher=asset_fetcher()).render(
        stylesheets=_stylesheet(page_size))
