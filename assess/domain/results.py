"""What a run of the rules produces: its facts, in order, and every firing. Plain data - no
experta - so that the plan, the audit and everything after them can read a run without
loading the engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FactKind(StrEnum):
    """Every kind of fact a run holds. The values are what the assessment JSON records."""

    # From the intake and the catalogue
    ANSWER = "Answer"
    MEASURE = "Measure"
    DERIVED = "Derived"
    TAG = "Tag"
    PROGRESSION = "Progression"
    SUBSTITUTE = "Substitute"
    REGRESSION = "Regression"
    CARE = "Care"
    UNAVAILABLE = "Unavailable"
    RESTRICTS = "Restricts"
    MODIFIES = "Modifies"
    # At a review, from the last visit
    PREVIOUS = "Previous"
    RETEST = "Retest"
    # Concluded by the rules
    FINDING = "Finding"
    PATTERN = "Pattern"
    REFERRAL = "Referral"
    YELLOW_FLAG = "YellowFlag"
    PRECAUTION = "Precaution"
    NOT_SCREENED = "NotScreened"
    PRESCRIBE = "Prescribe"
    EXCLUDE = "Exclude"
    CAUTION = "Caution"
    ADVICE = "Advice"
    LEAD = "Lead"
    EMPHASIS = "Emphasis"
    DOSE = "Dose"
    PRIORITY = "Priority"
    REVIEW = "Review"
    QUERY = "Query"
    LETTER = "Letter"
    STAGE = "Stage"


class Step(StrEnum):
    """When a prescribed exercise is done: in the session now, at a later stage, or as the
    easier version offered on its card, or only when nothing else is left."""

    NOW = "now"
    LATER = "later"
    REGRESSION = "regression"
    # Done only when nothing else can be: a plan for someone in pain is never empty.
    FALLBACK = "fallback"


@dataclass(frozen=True)
class FactRecord:
    """A fact of the run: its index, kind, fields and the rules (or input) that made it."""

    index: int
    kind: str
    fields: dict[str, Any]
    by: tuple[str, ...]


@dataclass(frozen=True)
class Firing:
    """One rule firing, in order."""

    order: int
    rule: str
    phase: str
    matched: tuple[int, ...]
    bindings: dict[str, Any]
    declared: tuple[int, ...]


@dataclass
class RunResult:
    facts: list[FactRecord]
    firings: list[Firing]
    halted: bool

    def of(self, kind: FactKind) -> list[FactRecord]:
        return [f for f in self.facts if f.kind == kind]
