"""The progress page of a review's PDF: pain and activity scores over the visits, each measured
range over the visits against the limit of its norm, and the plan's changes with their reasons.
Coordinates for the SVG charts are worked out here so the template only draws."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.questionnaire import battery
from assess.rendering.chart import norms_read

if TYPE_CHECKING:
    from assess.domain.assessment import Assessment

WIDTH, HEIGHT, LEFT, TOP = 250.0, 70.0, 30.0, 8.0  # one chart's plot area, in SVG units


def _x(i: int, n: int) -> float:
    return LEFT + (WIDTH * i / (n - 1) if n > 1 else WIDTH / 2)


def _y(v: float, low: float, high: float) -> float:
    return TOP + HEIGHT * (1 - (v - low) / (high - low)) if high > low else TOP + HEIGHT / 2


def _line(values: list[float | None], low: float, high: float) -> list[dict[str, float]]:
    n = len(values)
    return [{"x": round(_x(i, n), 1), "y": round(_y(min(max(v, low), high), low, high), 1), "v": v}
            for i, v in enumerate(values) if v is not None]


def progress_context(kb: KnowledgeBase, a: Assessment) -> dict[str, Any] | None:
    """What the progress page shows, or None when this is not a review."""
    if a.review is None:
        return None
    visits = a.review.visits
    dates = [{"x": round(_x(i, len(visits)), 1), "text": v.on.strftime("%d %b %Y")}
             for i, v in enumerate(visits)]
    scores = [{"colour": "#9a3b00", "points": _line([v.pain for v in visits], 0, 10)},
              {"colour": "#0d4a6b", "points": _line([v.psfs for v in visits], 0, 10)}]
    tests = battery().by_id()
    answers = a.intake.answers
    measured_now = a.intake.measured()
    rom = []
    for test_id, test in tests.items():
        if test.type != "decimal" or test.min is None or test.max is None:
            continue
        series = [v.measures.get(test_id, {}) for v in visits]
        if sum(1 for s in series if s) < 2:
            continue  # a trend needs the test at two visits or more
        entry = measured_now.get(test_id)
        method = test.method_of(entry.method) if entry and test.methods else None
        limits = []
        for name in norms_read(kb, test_id, method, answers):
            norm = kb.norms[name]
            if not (norm.finding or "").startswith("borderline"):
                limits.append({"y": round(_y(norm.limit, test.min, test.max), 1), "value": norm.limit,
                               "low_is_flagged": norm.low_is_flagged})
        lines = [{"side": side, "colour": colour,
                  "points": _line([s.get(side) for s in series], test.min, test.max)}
                 for side, colour in (("left", "#0d4a6b"), ("right", "#d07a2d"), ("value", "#5d6874"))]
        rom.append({"name": test.chart_name, "unit": test.unit or "", "min": test.min, "max": test.max,
                    "limits": limits, "lines": [ln for ln in lines if ln["points"]]})
    return {"review": a.review, "dates": dates, "scores": scores, "rom": rom,
            "width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP}
