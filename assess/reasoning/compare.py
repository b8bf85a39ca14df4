"""Two visits of a client side by side, for the desk: pain, each measurement that was taken at
either visit, and the exercises the plan gained or lost. (A review's own comparison, judged
against each outcome's MCID, is in its `review`; this is the plain before and after.)"""

from __future__ import annotations

from typing import Any

from assess.definitions.questionnaire import battery
from assess.domain.assessment import Assessment

_PAIN = (("pain_now", "Pain now (0-10)"), ("pain_worst", "Worst pain, last week (0-10)"))


def _said(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}{unit}" if isinstance(value, (int, float)) else str(value)


def visit_rows(before: Assessment, now: Assessment) -> list[tuple[str, str, str]]:
    """(what, at the last visit, now) for every answer and measurement the two visits hold."""
    rows = [(label, _said(before.intake.answers.get(k), ""), _said(now.intake.answers.get(k), ""))
            for k, label in _PAIN if k in before.intake.answers or k in now.intake.answers]
    was = before.intake.model_dump(mode="json").get("measurements") or {}
    is_ = now.intake.model_dump(mode="json").get("measurements") or {}
    for test in battery().tests:
        if test.id not in was and test.id not in is_:
            continue
        unit = " deg" if test.unit == "deg" else ""
        for side in ("left", "right") if test.bilateral else ("value",):
            label = test.plain_name + ("" if side == "value" else f", {side}")
            rows.append((label, _said((was.get(test.id) or {}).get(side), unit),
                         _said((is_.get(test.id) or {}).get(side), unit)))
    return rows


def plan_changes(before: Assessment, now: Assessment) -> tuple[list[str], list[str]]:
    """The exercises now in the plan that were not, and those no longer in it, by name."""
    names = {e.id: e.name for a in (before, now) for b in a.plan.blocks for e in b.exercises}
    was, is_ = before.plan.exercise_ids(), now.plan.exercise_ids()
    return [names[e] for e in is_ if e not in was], [names[e] for e in was if e not in is_]
