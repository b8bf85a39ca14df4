"""The range-of-motion chart's rows: each measured test, left and right, against the bands of
the norms that were read for this client - chosen the way the interpretation rules choose them
(by the method recorded, and by age and sex where a rule asks), so the chart and the words agree.
A test with no norm for this client is drawn without a band."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assess.definitions.knowledge import KnowledgeBase, RuleDef
from assess.definitions.questionnaire import RomTest, battery
from assess.definitions.rule_language import AnswerCond, MeasureCond, NotCond

if TYPE_CHECKING:
    from assess.domain.assessment import Assessment

# The module whose rules read measurements against norms (screens use their own thresholds,
# which are not normal ranges).
INTERPRETING_MODULE = "findings"


def _answer_holds(kb: KnowledgeBase, cond: AnswerCond, answers: dict[str, Any]) -> bool:
    value = answers.get(cond.answer)
    if value is None:
        return False
    values = value if isinstance(value, list) else [value]
    if cond.norm is not None:
        return any(isinstance(v, int | float) and not isinstance(v, bool) and kb.norms[cond.norm].met(v)
                   for v in values)
    if cond.is_ is not None:
        return cond.is_ in values
    if cond.any_of is not None:
        return any(v in cond.any_of for v in values)
    if cond.includes is not None:
        return cond.includes in values
    return True


def _applies(kb: KnowledgeBase, rule: RuleDef, answers: dict[str, Any]) -> bool:
    """Whether the rule's conditions on the client's answers (age band, sex) hold."""
    for cond in rule.when:
        if isinstance(cond, AnswerCond) and not _answer_holds(kb, cond, answers):
            return False
        if isinstance(cond, NotCond) and isinstance(cond.not_, AnswerCond) \
                and _answer_holds(kb, cond.not_, answers):
            return False
    return True


def norms_read(kb: KnowledgeBase, test: str, method: str | None, answers: dict[str, Any]) -> list[str]:
    """The norms a measurement of `test` by `method` is read against, for these answers."""
    out: list[str] = []
    for rule in kb.rules:
        if rule.module != INTERPRETING_MODULE or not _applies(kb, rule, answers):
            continue
        for cond in rule.when:
            if isinstance(cond, MeasureCond) and cond.measure == test and cond.norm \
                    and (cond.method is None or cond.method == method) \
                    and cond.norm not in out:
                out.append(cond.norm)
    return out


def _bands(kb: KnowledgeBase, norms: list[str], test: RomTest) -> list[dict[str, Any]]:
    """Shaded bands past each norm's limit: limited (darker) and below normal (lighter)."""
    assert test.min is not None and test.max is not None
    bands = []
    for name in norms:
        norm = kb.norms[name]
        limit = norm.limit
        low = norm.low_is_flagged
        start, end = (test.min, limit) if low else (limit, test.max)
        kind = "borderline" if (norm.finding or "").startswith("borderline") else "limited"
        bands.append({"from": max(start, test.min), "to": min(end, test.max), "kind": kind,
                      "limit": limit})
    # Lighter bands first, so that the limited band is drawn over them.
    return sorted(bands, key=lambda b: b["kind"] != "borderline")


def chart_rows(kb: KnowledgeBase, a: Assessment) -> list[dict[str, Any]]:
    rows = []
    measured = a.intake.measured()
    answers = a.intake.answers
    for test in battery().tests:
        entry = measured.get(test.id)
        if test.type != "decimal" or not entry or test.min is None or test.max is None:
            continue
        sides = [("L", entry.left), ("R", entry.right)] if test.bilateral else [("", entry.value)]
        marks = [{"side": s, "value": min(max(v, test.min), test.max)}
                 for s, v in sides if v is not None]
        if not marks:
            continue
        method = test.method_of(entry.method) if test.methods else None
        norms = norms_read(kb, test.id, method, answers)
        values = " / ".join(f"{s} {v:g}" if s else f"{v:g}" for s, v in sides if v is not None)
        how = test.method_labels.get(method or "", "")
        rows.append({"name": test.chart_name, "min": test.min, "max": test.max,
                     "bands": _bands(kb, norms, test), "marks": marks,
                     "label": f"{values} {test.unit or ''}".strip() + (f", {how}" if how else ""),
                     "no_norm": not norms})
    return rows
