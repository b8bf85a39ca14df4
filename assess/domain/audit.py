"""The audit trail as data: every fact and firing of a run, WHY NOT for what is absent, and
the rules, seed passages and words recorded with it so that it explains itself later."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuditFiring(_Out):
    order: int
    rule: str
    title: str
    phase: str
    matched: tuple[int, ...]
    bindings: dict[str, Any]
    declared: tuple[int, ...]


class AuditFact(_Out):
    index: int
    kind: str
    fields: dict[str, Any]
    by: tuple[str, ...]


class WhyNot(_Out):
    exercise: str
    name: str
    kind: str  # referral | safety | equipment | deferred | later_stage | pattern_missing
    reason: str
    rules: tuple[str, ...]
    # Related to what was found (left out, waiting, a later stage of what is prescribed),
    # rather than an exercise for something this client does not have.
    related: bool = True


class NormNote(_Out):
    describe: str
    source: str


class RuleNote(_Out):
    """A rule as it stood when it fired: an explanation must not depend on today's rules."""

    title: str
    rationale: str = ""
    source: str
    # The norms a value had to meet for it to fire (not those it had to miss).
    norms: dict[str, NormNote] = {}


class Audit(_Out):
    halted: bool
    facts: tuple[AuditFact, ...]
    firings: tuple[AuditFiring, ...]
    why_not: tuple[WhyNot, ...]
    # Recorded at assessment time so that an old assessment is explained from its own rule
    # set: the rules that fired or are named in WHY NOT, the plan's exercises' seed passages,
    # and the words for the tests, methods, findings and patterns (exercise names are in the
    # plan and in WHY NOT already). Empty in assessments made before these were recorded.
    rules: dict[str, RuleNote] = {}
    exercise_sources: dict[str, str] = {}
    words: dict[str, str] = {}
