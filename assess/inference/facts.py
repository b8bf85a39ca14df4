"""Intake -> facts: the one place where answers, measurements and the catalogue become facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.questionnaire import battery
from assess.domain.assessment import Assessment, Intake
from assess.domain.plan import CriteriaCount
from assess.domain.results import FactKind

FactSpec = tuple[FactKind, dict[str, Any]]


WEEKS_A_MONTH = 52.1775 / 12


def _age_at_onset(answers: dict[str, Any]) -> float | None:
    # Years, to one decimal: the inflammatory back-pain screen asks whether the pain began
    # before a given age, which the client is not asked directly.
    age, weeks = answers.get("age"), answers.get("pain_onset_weeks")
    if age is None or weeks is None:
        return None
    return round(float(age) - float(weeks) / 52.1775, 1)


def _goals(answers: dict[str, Any]) -> str | None:
    # The client's goal and PSFS activities as one text, for rules that ask what the client
    # wants to get back to.
    parts = [answers.get("goal_text") or ""]
    parts += [row.get("activity", "") for row in answers.get("psfs") or [] if isinstance(row, dict)]
    text = " / ".join(p for p in parts if p)
    return text or None


def _latest_day(remembered: str) -> dt.date:
    """The latest day a remembered date can mean: a month alone is its last day."""
    parts = [int(p) for p in remembered.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    year, month = parts
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def weeks_since_hip_replacement(answers: dict[str, Any], on: dt.date) -> float | None:
    """Weeks from the operation to the assessment, read so that a window is never left early:
    a month counts from its last day, and the whole months of a 1.1.0 file (N) as N - 1, since
    a client rounding 11 weeks says "3 months" (rules/norms.yaml tha_posterior_window)."""
    remembered, months = answers.get("hip_replacement_date"), answers.get("hip_replacement_months")
    if isinstance(remembered, str):
        return round(max(0, (on - _latest_day(remembered)).days) / 7, 1)
    if isinstance(months, int):
        return round(max(0, months - 1) * WEEKS_A_MONTH, 1)
    return None


def _pain_worst_minus_now(answers: dict[str, Any]) -> int | None:
    worst, now = answers.get("pain_worst"), answers.get("pain_now")
    return worst - now if isinstance(worst, int) and isinstance(now, int) else None


# Values computed from the answers, each named here and checked by knowledge_checks.
DERIVED = {"age_at_onset": _age_at_onset, "goals": _goals, "pain_worst_minus_now": _pain_worst_minus_now}
# Values computed from the answers and the assessment date.
DATED = {"weeks_since_hip_replacement": weeks_since_hip_replacement}
# Values computed from the measurements: whether any test of a battery group was examined
# (the neurological examination), and each test a side of which stopped at a precaution's limit.
MEASURED = ("neurological_examined", "stopped_at_limit")


def derived_values(intake: Intake, on: dt.date) -> dict[str, Any]:
    """The derived values of an intake that have one (for the facts and the counted criteria)."""
    values: dict[str, Any] = {name: compute(intake.answers) for name, compute in DERIVED.items()}
    values.update({name: compute(intake.answers, on) for name, compute in DATED.items()})
    return {k: v for k, v in values.items() if v is not None}


def criteria_counts(kb: KnowledgeBase, intake: Intake, on: dt.date) -> tuple[CriteriaCount, ...]:
    """Each counted criteria set (rules/criteria.yaml) that applies to this intake."""
    derived = derived_values(intake, on)
    counts = (c.count(cid, intake.answers, derived, kb.norms) for cid, c in kb.criteria.items())
    return tuple(c for c in counts if c is not None)


def intake_facts(intake: Intake, on: dt.date | None = None,
                 counts: Sequence[CriteriaCount] = ()) -> list[FactSpec]:
    """Answers, derived values, the counted criteria (criteria_counts) and measurements of a
    validated intake as facts. Dates count at `on` (the assessment date)."""
    facts: list[FactSpec] = []
    answers = intake.answers
    on = on or intake.date or dt.date.today()
    for item, value in answers.items():
        if value is None or isinstance(value, dict):
            continue
        if isinstance(value, list):
            # A multiple choice is one fact per option chosen; repeating groups (the
            # PSFS) are for people, not rules.
            facts.extend((FactKind.ANSWER, {"item": item, "value": v}) for v in value
                         if not isinstance(v, dict))
        else:
            facts.append((FactKind.ANSWER, {"item": item, "value": value}))
    for name, value in derived_values(intake, on).items():
        facts.append((FactKind.DERIVED, {"name": name, "value": value}))
    facts.extend((FactKind.DERIVED, {"name": c.id, "value": c.count}) for c in counts)
    tests = battery().by_id()
    examined: set[str] = set()
    stopped: list[str] = []
    for test_id, entry in intake.measured().items():
        sides = ("left", "right") if tests[test_id].bilateral else ("value",)
        for side in sides:
            value = getattr(entry, side)
            if value is None:
                continue
            if (group := tests[test_id].group) is not None:
                examined.add(group)
            if entry.stopped(side):
                # Taken only to a precaution's limit: where it stopped is not its end of range,
                # so no norm reads it; the rules only learn that it stopped.
                stopped.append(test_id)
                continue
            facts.append((FactKind.MEASURE, {"test": test_id,
                                             "side": "single" if side == "value" else side,
                                             "value": value,
                                             "method": tests[test_id].method_of(entry.method)}))
    # Both sides of a test stopped at the limit are one fact (experta keeps one of equal facts).
    facts.extend((FactKind.DERIVED, {"name": "stopped_at_limit", "value": t}) for t in dict.fromkeys(stopped))
    if "neurological" in examined:
        facts.append((FactKind.DERIVED, {"name": "neurological_examined", "value": True}))
    return facts


def catalogue_facts(kb: KnowledgeBase) -> list[FactSpec]:
    """What the catalogue says of each exercise, and what each precaution restricts or changes:
    the same for every client (the engine matches them once per process; engine.py)."""
    facts: list[FactSpec] = []
    for ex in kb.exercises.values():
        facts.extend((FactKind.TAG, {"exercise": ex.id, "tag": t}) for t in ex.tags)
        if ex.progression:
            facts.append((FactKind.PROGRESSION, {"exercise": ex.id, "next": ex.progression}))
        if ex.substitute:
            facts.append((FactKind.SUBSTITUTE, {"exercise": ex.id, "by": ex.substitute}))
        if ex.regression.exercise:
            facts.append((FactKind.REGRESSION, {"exercise": ex.id, "by": ex.regression.exercise}))
        facts.extend((FactKind.CARE, {"exercise": ex.id, "precaution": p}) for p in ex.care)
    for pid, precaution in kb.precautions.items():
        facts.extend((FactKind.RESTRICTS, {"precaution": pid, "tag": t}) for t in precaution.excludes)
        facts.extend((FactKind.MODIFIES, {"precaution": pid, "tag": t}) for t in precaution.modifies)
    return facts


def equipment_facts(kb: KnowledgeBase, equipment: list[str]) -> list[FactSpec]:
    """The exercises this person's equipment rules out."""
    have = set(equipment)
    return [(FactKind.UNAVAILABLE,
             {"exercise": ex.id, "needs": " or ".join(e.replace("_", " ") for e in ex.equipment)})
            for ex in kb.exercises.values() if ex.equipment and not have.intersection(ex.equipment)]


def review_facts(kb: KnowledgeBase, intake: Intake, previous: Assessment,
                 assessed_on: dt.date) -> list[FactSpec]:
    """At a review: what the last visit's plan gave, each re-test recorded now, whether pain
    rose by more than its MCID, and whether the stage has had its time (rules/outcomes.yaml)."""
    facts: list[FactSpec] = [
        (FactKind.PREVIOUS, {"exercise": e.id, "block": block.id, "side": e.side})
        for block in previous.plan.blocks for e in block.exercises]
    facts += [(FactKind.RETEST, {"exercise": ex_id, "result": result})
              for ex_id, result in (intake.retests or {}).items() if result]
    _, pain = kb.outcomes.pain()
    item = pain.answer or ""  # Outcomes checks that the pain measure is read from an answer
    before, after = previous.intake.answers.get(item), intake.answers.get(item)
    if isinstance(before, int | float) and isinstance(after, int | float):
        facts.append((FactKind.DERIVED, {"name": "pain_trend", "value": pain.trend(before, after)}))
    weeks = (assessed_on - previous.assessed_on).days / 7
    facts.append((FactKind.DERIVED, {"name": "stage_time_done",
                                     "value": weeks >= kb.outcomes.stage.weeks_at_least}))
    return facts
