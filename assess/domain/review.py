"""A review visit compared with the visits before it: outcome measures judged against their
MCID, the stage each progression moved to and why, the plan's other changes, and the series
the progress page draws. Typed data only."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class OutcomeChange(BaseModel):
    """One outcome measure at the last visit and now."""

    model_config = ConfigDict(frozen=True)
    measure: str
    title: str
    before: float
    after: float
    mcid: float
    trend: str  # better, worse, no clear change
    source: str


class StageChange(BaseModel):
    """Where a progression went at this review, and what decided it."""

    model_config = ConfigDict(frozen=True)
    was: str  # exercise names
    now: str
    because: str  # the decision in words, with the re-test's criterion
    rule: str  # the rule id that decided it


class VisitPoint(BaseModel):
    """One visit in the series the progress page draws."""

    model_config = ConfigDict(frozen=True)
    on: dt.date
    pain: float | None = None
    psfs: float | None = None  # mean of the activities' scores
    entered: dict[str, float] = {}  # outcome scores entered from their own forms (HOOS JR)
    measures: dict[str, dict[str, float]] = {}  # test -> side -> degrees (or value)


class Review(BaseModel):
    """This visit against the last one (and the series over every visit so far)."""

    model_config = ConfigDict(frozen=True)
    previous_on: dt.date
    weeks: float
    outcomes: tuple[OutcomeChange, ...]
    stages: tuple[StageChange, ...]
    added: tuple[str, ...]  # exercise names new to the plan (beside the stage changes)
    removed: tuple[str, ...]  # exercise names no longer in it, with why where known
    visits: tuple[VisitPoint, ...]
