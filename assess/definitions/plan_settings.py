"""rules/plan.yaml: how prescriptions become a plan a person will do (blocks, dose levels,
review timing, referrals, letters, the clinician's review reasons and queries, and the plan's
own sentences)."""

from __future__ import annotations

import string
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from assess.definitions.knowledge_models import Caveat, _Data


class BlockDef(_Data):
    id: str
    title: str
    purpose: str
    priority: tuple[str, ...]


class Urgency(_Data):
    rank: int
    label: str
    action: str


class Referrals(_Data):
    urgency: dict[str, Urgency]
    source: str
    reasons: dict[str, str]


class Letter(_Data):
    """A routine onward referral that goes with the plan."""

    to: str
    reason: str
    source: str
    # Counted criteria (rules/criteria.yaml) whose count and items met the letter names.
    criteria: tuple[str, ...] = ()


class DoseLevel(_Data):
    """How much a session holds and how each exercise is dosed at one level of irritability."""

    max_exercises: int
    max_per_block: int
    max_minutes: int
    sets: Literal["lowest", "as_written"]
    hold: str | None = None
    rest: str
    review_weeks: int


class DoseLevels(_Data):
    high: DoseLevel
    moderate: DoseLevel
    low: DoseLevel
    source: str
    caveats: tuple[Caveat, ...] = ()

    def level(self, name: str) -> DoseLevel:
        level: DoseLevel = getattr(self, name)
        return level


class Priority(_Data):
    weights: dict[Literal["provoker", "goal", "measured", "reported"], int]
    # What the client is told about why a part of the plan comes where it does; {about} is the
    # finding's or pattern's plain label.
    reasons: dict[Literal["provoker", "goal", "measured", "reported"], str]
    lead: str
    # Why a pathway's block leads (a `lead` conclusion with `because`), in the client's words.
    leads: dict[str, str] = Field(default_factory=dict)
    source: str
    caveats: tuple[Caveat, ...] = ()


class PainMonitoring(_Data):
    ceiling: int
    rise: int
    line: str
    source: str
    caveats: tuple[Caveat, ...] = ()

    def limit(self, start: int) -> int:
        """The most pain allowed during an exercise for someone who started at `start`."""
        return max(start, min(self.ceiling, start + self.rise))


class LogSettings(_Data):
    sessions_per_week: int
    source: str


class StopIf(_Data):
    source: str
    items: tuple[str, ...]


class Wording(_Data):
    """The plan's own sentences (plan.yaml `wording`), each with exactly its placeholders."""

    deferred_max_exercises: str
    deferred_max_per_block: str
    deferred_max_minutes: str
    why_for: str
    why_trial: str
    why_prescribed_by: str
    left_out_involves: str
    not_screened: str
    go_back_to: str
    next_step_when: str
    dose_one_side: str
    dose_one_set: str
    dose_sets: str
    dose_sets_reps: str
    dose_hold: str
    # The part of the plan that holds what a clinician added (reasoning.adjust).
    added_block_title: str
    added_block_purpose: str

    PLACEHOLDERS: ClassVar[dict[str, set[str]]] = {
        "deferred_max_exercises": {"max_exercises"}, "deferred_max_per_block": {"max_per_block"},
        "deferred_max_minutes": {"max_minutes"}, "why_for": {"reasons"}, "why_trial": set(),
        "why_prescribed_by": {"rules"}, "left_out_involves": {"precaution", "tags"},
        "not_screened": {"screen"},
        "go_back_to": {"exercise"}, "next_step_when": {"retest"}, "dose_one_side": {"side", "limb"},
        "dose_one_set": {"sets"}, "dose_sets": {"sets"}, "dose_sets_reps": {"sets", "reps"},
        "dose_hold": {"hold"}, "added_block_title": set(), "added_block_purpose": set(),
    }

    @model_validator(mode="after")
    def _placeholders(self) -> Wording:
        for name, wanted in self.PLACEHOLDERS.items():
            found = {f for _, f, _, _ in string.Formatter().parse(getattr(self, name)) if f is not None}
            if found != wanted:
                raise ValueError(f"wording.{name} must use exactly {sorted(wanted)}, not {sorted(found)}")
        return self


class PlanSettings(_Data):
    name: str
    dose_levels: DoseLevels
    priority: Priority
    pain_monitoring: PainMonitoring
    log: LogSettings
    stop_if: StopIf
    blocks: tuple[BlockDef, ...]
    advice: dict[str, str]
    yellow_flags: dict[str, str]
    referrals: Referrals
    letters: dict[str, Letter]
    review_reasons: dict[str, str]
    # Answers that do not fit together: what the clinician checks with the client ({about} is
    # the question or test).
    queries: dict[str, str]
    screens: dict[str, str]
    regression_fallback: str
    clinician_only_findings: tuple[str, ...]
    # Examination findings the client is told about when nothing in the plan works on them.
    noticed_findings: tuple[str, ...]
    findings: dict[str, str]
    patterns: dict[str, str]
    wording: Wording

    def urgency(self, key: str) -> Urgency:
        return self.referrals.urgency[key]
