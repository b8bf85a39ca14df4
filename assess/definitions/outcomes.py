"""The outcome measures re-scored at each visit (rules/outcomes.yaml) and how a change between
two visits is judged: against the measure's minimal clinically important difference."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from assess.definitions.knowledge_models import Source

Trend = Literal["better", "worse", "no clear change"]


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    answer: str | None = None  # the intake item it is read from
    entered: bool = False  # or entered with the visit, from its own form (`outcomes:`)
    low: float
    high: float
    better: Literal["higher", "lower"]
    mcid: float
    hip_only: bool = False
    source: str
    terms: str | None = None

    @model_validator(mode="after")
    def _read_somewhere(self) -> Measure:
        if bool(self.answer) == self.entered:
            raise ValueError("a measure is read from an intake answer or entered, one of the two")
        return self

    def trend(self, before: float, after: float) -> Trend:
        """The change from `before` to `after`, judged against the MCID."""
        change = after - before if self.better == "higher" else before - after
        if change >= self.mcid:
            return "better"
        if change <= -self.mcid:
            return "worse"
        return "no clear change"


class StageTime(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weeks_at_least: int
    source: Source
    pain: str  # the measure whose rise steps a stage back
    words: dict[Literal["retest_passed", "retest_not_passed", "too_soon", "not_retested", "pain_rose"], str]


class Outcomes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    measures: dict[str, Measure]
    stage: StageTime

    @model_validator(mode="after")
    def _pain_is_a_measure(self) -> Outcomes:
        pain = self.measures.get(self.stage.pain)
        if pain is None or not pain.answer:
            raise ValueError(f"stage.pain: {self.stage.pain} is not a measure read from an answer")
        return self

    def pain(self) -> tuple[str, Measure]:
        """The measure whose rise steps a stage back, with its key."""
        return self.stage.pain, self.measures[self.stage.pain]

    def entered(self) -> dict[str, Measure]:
        """The measures a clinic enters with the visit (not asked in the intake)."""
        return {k: m for k, m in self.measures.items() if m.entered}
