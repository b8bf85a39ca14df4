"""Rendering an assessment: jinja2 (autoescaped) -> HTML, then rendering.pdf -> PDF. The
templates autoescape every value, so nothing in an answer becomes markup."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from assess.definitions.knowledge import load_knowledge
from assess.definitions.paths import data_dir
from assess.domain.assessment import Assessment
from assess.files.cache import template_folder
from assess.reasoning.adjust import decision_words
from assess.reasoning.assemble import side_words
from assess.reasoning.audit_words import hidden_why_not, how_accounts, norms_used, rule_line, why_not_groups
from assess.reasoning.compose import merge_sides
from assess.rendering.chart import chart_rows
from assess.rendering.figures import figure_svg
from assess.rendering.letter import letter_content
from assess.rendering.letterhead import Letterhead
from assess.rendering.pdf import PageSize, PdfRequest, pdf_from_html
from assess.rendering.progress import progress_context


@cache
def _environment() -> Environment:
    # autoescape=True covers .j2 files, which select_autoescape()'s defaults do not. Compiled
    # templates are cached (jinja2 checks each against its source before using it).
    folder = template_folder()
    env = Environment(
        bytecode_cache=FileSystemBytecodeCache(folder) if folder else None,
        loader=FileSystemLoader(data_dir("report_templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Each exercise's own figure (report_templates/figures.yaml), drawn as inline SVG.
    env.globals["figure"] = lambda exercise: Markup(figure_svg(exercise))
    return env


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


def render_html(a: Assessment, *, with_audit: bool = True, letterhead: Letterhead | None = None) -> str:
    """The HTML of the plan, or of the referral letter when a red flag was found; from the
    clinic and clinician of `letterhead` when given."""
    kb = load_knowledge()
    fired = list(dict.fromkeys(f.rule for f in a.audit.firings))
    phases = {f.rule: f.phase for f in a.audit.firings}
    context: dict[str, Any] = {
        "a": a,
        "with_audit": with_audit,
        "head": letterhead or Letterhead(),
        "accounts": how_accounts(a),
        "norms_used": norms_used(a),
        "why_not_groups": why_not_groups(a),
        "why_not_hidden": hidden_why_not(a),
        "fired_rules": [{**rule_line(a, r), "phase": phases[r]} for r in fired],
        "findings": [f for f in a.findings if f.id not in kb.plan.clinician_only_findings],
        "chart_rows": chart_rows(kb, a),
        "patterns": _merged(a.patterns),
        "progress": progress_context(kb, a),
        "log_columns": (a.plan.review_weeks or kb.plan.dose_levels.low.review_weeks)
        * kb.plan.log.sessions_per_week,
        # The clinician's decisions as said aloud, with the exercise's name (not its id).
        "decisions": decision_words(kb, a),
        # Each counted criteria set's published source, for the clinician appendix.
        "criteria_sources": {cid: " ".join(c.source.split()) for cid, c in kb.criteria.items()},
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




def render_pdf(a: Assessment, *, with_audit: bool = True, page_size: PageSize = "A4",
               archival: bool = False, fetcher: Any = None, letterhead: Letterhead | None = None) -> bytes:
    """PDF bytes: tagged, with metadata and bookmarks. With the audit, the clinician appendix
    and the full assessment JSON (every answer, the red-flag screen, the trail) go in too;
    without it, the PDF holds only what the client reads."""
    return pdf_from_html(PdfRequest(render_html(a, with_audit=with_audit, letterhead=letterhead),
                                    a.to_json() if with_audit else None, a.generated_at,
                                    page_size, archival), fetcher=fetcher)
