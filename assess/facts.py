"""Intake -> facts: the one place where answers, measurements and the catalogue become facts."""

from __future__ import annotations

from typing import Any

from assess.knowledge import KnowledgeBase
from assess.questionnaire import battery

FactSpec = tuple[str, dict[str, Any]]


def intake_facts(intake: dict[str, Any]) -> list[FactSpec]:
    """Answers and measurements of a validated intake (as a plain dict) as facts."""
    facts: list[FactSpec] = []
    for item, value in intake["answers"].items():
        if value is None or isinstance(value, dict):
            continue
        if isinstance(value, list):
            # A multiple choice is one fact per option chosen; repeating groups (the
            # PSFS) are for people, not rules.
            facts.extend(("Answer", {"item": item, "value": v}) for v in value
                         if not isinstance(v, dict))
        else:
            facts.append(("Answer", {"item": item, "value": value}))
    tests = battery().by_id()
    for test_id, entry in (intake.get("measurements") or {}).items():
        if entry is None:
            continue
        sides = ("left", "right") if tests[test_id].bilateral else ("value",)
        for side in sides:
            if entry.get(side) is not None:
                facts.append(("Measure", {"test": test_id,
                                          "side": "single" if side == "value" else side,
                                          "value": entry[side]}))
    return facts


def catalogue_facts(kb: KnowledgeBase, equipment: list[str]) -> list[FactSpec]:
    """What the catalogue says of each exercise, and what this person's equipment rules out."""
    have = set(equipment)
    facts: list[FactSpec] = []
    for ex in kb.exercises.values():
        facts.extend(("Tag", {"exercise": ex.id, "tag": t}) for t in ex.tags)
        if ex.progression:
            facts.append(("Progression", {"exercise": ex.id, "next": ex.progression}))
        if ex.substitute:
            facts.append(("Substitute", {"exercise": ex.id, "by": ex.substitute}))
        if ex.equipment and not have.intersection(ex.equipment):
            needs = " or ".join(e.replace("_", " ") for e in ex.equipment)
            facts.append(("Unavailable", {"exercise": ex.id, "needs": needs}))
    return facts
