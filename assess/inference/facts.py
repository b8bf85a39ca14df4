"""Intake -> facts: the one place where answers, measurements and the catalogue become facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.questionnaire import battery
from assess.domain.assessment import Assessment, Intake
from assess.domain.results import FactKind

FactSpec = tuple[FactKind, dict[str, Any]]


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


# Values computed from the answers, each named here and checked by knowledge_checks.
DERIVED = {"age_at_onset": _age_at_onset, "goals": _goals}


def intake_facts(intake: Intake) -> list[FactSpec]:
    """Answers, derived values and measurements of a validated intake as facts."""
    facts: list[FactSpec] = []
    answers = intake.answers
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
    for name, compute in DERIVED.items():
        derived = compute(answers)
        if derived is not None:
            facts.append((FactKind.DERIVED, {"name": name, "value": derived}))
    tests = battery().by_id()
    for test_id, entry in intake.measured().items():
        sides = ("left", "right") if tests[test_id].bilateral else ("value",)
        for side in sides:
            value = getattr(entry, side)
            if value is not None:
                facts.append((FactKind.MEASURE, {"test": test_id,
                                                 "side": "single" if side == "value" else side,
                                                 "value": value,
                                                 "method": tests[test_id].method_of(entry.method)}))
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
