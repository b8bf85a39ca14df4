"""Rendering an assessment: jinja2 (autoescaped) -> HTML -> WeasyPrint -> PDF.

Nothing is fetched because of data: templates autoescape every value, and the URL
fetcher serves only files from report_templates/assets under its own scheme.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assess.definitions.knowledge import load_knowledge
from assess.definitions.paths import data_dir
from assess.domain.assessment import Assessment
from assess.reasoning.assemble import merge_sides, side_words
from assess.reasoning.audit_words import hidden_why_not, how_accounts, norms_used, rule_line, why_not_groups
from assess.rendering.chart import chart_rows
from assess.rendering.letter import letter_content

PageSize = Literal["A4", "letter"]
ASSET_SCHEME = "assess-asset:"


@cache
def _environment() -> Environment:
    # autoescape=True covers .j2 files, which select_autoescape()'s defaults do not.
    return Environment(
        loader=FileSystemLoader(data_dir("report_templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _merged(items: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Patterns as a person reads them: one line each, with its sides; a trial only when
    nothing measured supports it."""
    grouped: dict[str, dict[str, Any]] = {}
    for item in items:
        row = grouped.setdefault(item.id, {"text": item.text, "sides": set(), "bases": set()})
        row["sides"].add(item.side)
        row["bases"].add(item.detail)
    rows = []
    for row in grouped.values():
        where = side_words(merge_sides(row["sides"]))
        trial = row["bases"] == {"reported"}
        rows.append({"text": row["text"], "where": where, "trial": trial,
                     "how": "measured" if "measured" in row["bases"] else ""})
    return rows


def render_html(a: Assessment, *, with_audit: bool = True) -> str:
    """The HTML of the plan, or of the referral letter when a red flag was found."""
    kb = load_knowledge()
    fired = list(dict.fromkeys(f.rule for f in a.audit.firings))
    phases = {f.rule: f.phase for f in a.audit.firings}
    context: dict[str, Any] = {
        "a": a,
        "with_audit": with_audit,
        "accounts": how_accounts(a),
        "norms_used": norms_used(a),
        "why_not_groups": why_not_groups(a),
        "why_not_hidden": hidden_why_not(a),
        "fired_rules": [{**rule_line(a, r), "phase": phases[r]} for r in fired],
        "findings": [f for f in a.findings if f.id not in kb.plan.clinician_only_findings],
        "chart_rows": chart_rows(kb, a),
        "patterns": _merged(a.patterns),
        "log_columns": (a.plan.review_weeks or kb.plan.dose_levels.low.review_weeks)
        * kb.plan.log.sessions_per_week,
    }
    if a.plan.referral:
        detail = a.plan.referral_detail
        assert detail is not None
        context["title"] = "Referral letter"
        context["reasons_text"] = list(dict.fromkeys(r.text for r in detail.reasons))
        context["letter"] = letter_content(a)
        context["emergency"] = detail.urgency == "emergency"
        return _environment().get_template("referral.html.j2").render(context)
    context["title"] = "Your hip and back plan"
    return _environment().get_template("plan.html.j2").render(context)


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


def render_pdf(a: Assessment, *, with_audit: bool = True, page_size: PageSize = "A4",
               archival: bool = False, fetcher: Any = None) -> bytes:
    """PDF bytes: tagged, with metadata and bookmarks. With the audit, the clinician appendix
    and the full assessment JSON (every answer, the red-flag screen, the trail) go in too;
    without it, the PDF holds only what the client reads."""
    from weasyprint import HTML, Attachment

    fetcher = fetcher or asset_fetcher()
    generated = dt.datetime.fromisoformat(a.generated_at)
    html = HTML(string=render_html(a, with_audit=with_audit), base_url=ASSET_SCHEME,
                url_fetcher=fetcher)
    attachment = Attachment(string=a.to_json().encode("utf-8"), name="assessment.json",
                            description="The full assessment: findings, plan and audit trail",
                            relationship="Data", url_fetcher=fetcher,
                            # The assessment's own time, not the clock: the same assessment
                            # renders to the same bytes.
                            created=generated, modified=generated)
    pdf: bytes = html.write_pdf(
        stylesheets=_stylesheet(page_size),
        attachments=[attachment] if with_audit else [],
        pdf_tags=True,
        pdf_variant="pdf/a-3b" if archival else None,
        uncompressed_pdf=False,
    )
    return pdf
