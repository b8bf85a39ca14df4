"""What an assessment concludes for the client: the plan (or referral), its precautions, and
what a clinician must review. Plain frozen models: no engine, no I/O."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

Side = Literal["left", "right", "both", "none"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class NextStep(_Out):
    id: str
    name: str
    when: str
    # Its own instructions under a precaution (a "with care" note), said before it starts.
    cautions: tuple[str, ...] = ()


class PlannedExercise(_Out):
    id: str
    name: str
    block: str
    side: Side
    emphasis: Literal["left", "right"] | None
    dose: str
    frequency: str
    dose_source: str
    # Minutes it takes in the session (both sides when it is done on both).
    minutes: int = 0
    start: str
    cues: tuple[str, ...]
    aids: tuple[str, ...]
    feel: str
    why: str
    rules: tuple[str, ...]
    next_step: NextStep | None
    # What to manage before moving on (staged exercises), checked at review.
    retest: str | None = None
    regression: str
    regression_id: str | None = None
    # Instructions printed on the card because of a precaution (hold a support, with care).
    cautions: tuple[str, ...] = ()
    # The exercise this one replaces when that one was left out (shown as "instead of").
    instead_of: str | None = None
    figure: str
    source: str


class Block(_Out):
    id: str
    title: str
    purpose: str
    emphasis: Literal["left", "right"] | None
    exercises: tuple[PlannedExercise, ...]
    # Why this part comes where it does (what provokes the pain, a goal, what was measured).
    because: tuple[str, ...] = ()


class Deferred(_Out):
    id: str
    name: str
    block: str
    reason: str


class LeftOut(_Out):
    """An exercise the rules would have given but a precaution left out, told to the client."""

    id: str
    name: str
    why: str
    precautions: tuple[str, ...]


class ReferralReason(_Out):
    reason: str
    text: str
    reported: str
    urgency: str
    rule: str


class Referral(_Out):
    urgency: str
    label: str
    action: str
    reasons: tuple[ReferralReason, ...]
    source: str


class Letter(_Out):
    """A routine onward referral that goes with the plan."""

    id: str
    to: str
    reason: str
    because: tuple[str, ...]
    source: str
    # The counted criteria it rests on, as read aloud: "ASAS: 4 of 5 - met (4 needed): ...".
    criteria: tuple[str, ...] = ()


class ReviewReason(_Out):
    id: str
    # query: answers that do not fit together (or a "not sure"), to check with the client.
    kind: Literal["precaution", "history", "not_screened", "query"]
    text: str
    rules: tuple[str, ...]


class CriteriaCount(_Out):
    """A counted criteria set (ASAS, NICE NG65) for one client, for the clinician and letters:
    never shown to the client as a diagnosis."""

    id: str
    title: str
    short: str
    count: int
    of: int
    needed: int
    met: tuple[str, ...]
    unanswered: tuple[str, ...]
    verdict: str

    @property
    def line(self) -> str:
        """As a letter or the desk says it: "ASAS: 4 of 5 - met (4 needed): began before 40; ..."."""
        return f"{self.short}: {self.verdict}" + (f" - {'; '.join(self.met)}" if self.met else "")


class ClinicianReview(_Out):
    required: bool
    reasons: tuple[ReviewReason, ...]


class PrecautionOut(_Out):
    """A precaution that applies to this client: what it means and what it rules out."""

    id: str
    title: str
    text: str
    side: Side
    rules: tuple[str, ...]
    excludes: tuple[str, ...]
    sign_off: bool
    source: str


# Fields added to the plan later, written only when they say something (true, or not empty),
# so that an assessment recorded before them is written back as the same text.
_ONLY_WHEN_SET = ("withheld", "today", "criteria")


class Plan(_Out):
    referral: bool
    reason: str | None
    referral_detail: Referral | None
    blocks: tuple[Block, ...]
    deferred: tuple[Deferred, ...]
    left_out: tuple[LeftOut, ...] = ()
    advice: tuple[str, ...]
    stop_if: tuple[str, ...]
    letters: tuple[Letter, ...] = ()
    clinician_review: ClinicianReview = ClinicianReview(required=False, reasons=())
    # No plan was made by the rules (a precaution that withholds it): the clinician writes it.
    withheld: bool = False
    # What the client must do today (a "not sure" about a cauda-equina symptom), said first.
    today: tuple[str, ...] = ()
    # The counted criteria that applied (clinician only).
    criteria: tuple[CriteriaCount, ...] = ()
    # The irritability level that set the dose, its range and rest lines, and the session's length.
    dose_level: str = "low"
    dose_notes: tuple[str, ...] = ()
    session_minutes: int = 0
    # What was measured and found normal; examination findings the plan does not work on.
    checked_normal: tuple[str, ...] = ()
    noticed: tuple[str, ...] = ()
    review_weeks: int | None
    review_date: dt.date | None

    @model_serializer(mode="wrap")
    def _newer_fields_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if k not in _ONLY_WHEN_SET or v}

    def exercise_ids(self) -> list[str]:
        return [e.id for b in self.blocks for e in b.exercises]

    def summary(self) -> str:
        """The plan in a few words, for a list of visits: "referral (urgent)" or "5 exercise(s)"."""
        if self.referral and self.referral_detail:
            return f"referral ({self.referral_detail.label})"
        return f"{len(self.exercise_ids())} exercise(s)"
