"""The assessment as data: the intake it was made from, who it is about, what produced it,
what was found and concluded. Typed, frozen, JSON-compatible; built by services.pipeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from assess.domain.audit import Audit
from assess.domain.decisions import Decision
from assess.domain.plan import Plan, PrecautionOut
from assess.domain.review import Review


class _AsGiven(BaseModel):
    """A record of what a file said: it dumps only the fields that were given, so that an
    intake written back out is the intake that was read (a null stays a null, an absent
    field stays absent)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if k in self.model_fields_set}


class Measurement(_AsGiven):
    """One range-of-motion test as recorded: both sides of a bilateral test (null when a side
    was not tested), or one value; how and with what it was measured."""

    instrument: str | None = None
    method: str | None = None
    note: str | None = None
    # A grade of the neurological examination ("normal", "reduced", "absent") is a string.
    left: bool | float | str | None = None
    right: bool | float | str | None = None
    value: bool | float | str | None = None
    # The sides taken only to a precaution's limit: the value is where the test stopped.
    stopped_at_limit: tuple[str, ...] | None = None

    def stopped(self, side: str) -> bool:
        return side in (self.stopped_at_limit or ())


class Intake(_AsGiven):
    """A validated intake. The answers' types come from the questionnaire (definitions.intake
    checked them against it); here they are kept as read, keyed by linkId."""

    questionnaire: str | None = None
    battery: str | None = None
    date: dt.date | None = None
    clinician: str | None = None
    clinician_contact: str | None = None
    answers: dict[str, Any]
    measurements: dict[str, Measurement | None] | None = None
    # At a review: scores entered from their own forms (rules/outcomes.yaml), and the result of
    # each staged exercise's re-test ("passed" or "not_passed").
    outcomes: dict[str, float | None] | None = None
    retests: dict[str, str | None] | None = None

    def measured(self) -> dict[str, Measurement]:
        """The tests with a recorded measurement, in the battery's order."""
        return {k: m for k, m in (self.measurements or {}).items() if m is not None}


class Client(_AsGiven):
    """Who the assessment is about: what the questionnaire's `identifies` items hold."""

    name: str
    age: int | None = None
    sex: str | None = None


class RuleSetId(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    version: str
    sha256: str


class DefinitionId(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    version: str


class EngineId(BaseModel):
    model_config = ConfigDict(frozen=True)
    assess: str
    experta: str


class Identity(BaseModel):
    """What produced an assessment: enough to reproduce or re-audit it."""

    model_config = ConfigDict(frozen=True)
    ruleset: RuleSetId
    questionnaire: DefinitionId
    battery: DefinitionId
    engine: EngineId
    input_sha256: str


class Conclusion(BaseModel):
    """A finding, pattern or yellow flag, with the side and the way it was found."""

    model_config = ConfigDict(frozen=True)
    id: str
    text: str
    side: str
    detail: str
    # How it was found, in words: "measured: Hip extension, prone" or "from your answers".
    how: str = ""
    rules: tuple[str, ...]


class Assessment(BaseModel):
    """Everything one run concluded: findings, plan (or referral) and the audit trail."""

    model_config = ConfigDict(frozen=True)
    identity: Identity
    generated_at: str
    assessed_on: dt.date
    client: Client
    clinician: str | None
    clinician_contact: str | None = None
    intake: Intake
    findings: tuple[Conclusion, ...]
    patterns: tuple[Conclusion, ...]
    yellow_flags: tuple[Conclusion, ...]
    precautions: tuple[PrecautionOut, ...] = ()
    plan: Plan
    audit: Audit
    # At a review visit only: this visit against the ones before it.
    review: Review | None = None
    # The clinician's decisions about this plan, oldest first (reasoning.adjust applies them).
    decisions: tuple[Decision, ...] = ()

    @property
    def adjustments(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.kind != "sign_off")

    @property
    def signed_off(self) -> Decision | None:
        """The sign-off, when the plan has one and nothing was changed after it."""
        last = self.decisions[-1] if self.decisions else None
        return last if last is not None and last.kind == "sign_off" else None

    @property
    def awaits_sign_off(self) -> bool:
        """A plan that needs a clinician's sign-off and has not had it: not to be started, nor
        sent to the client (a referral is advice, not a plan: it never waits)."""
        return self.plan.clinician_review.required and self.signed_off is None and not self.plan.referral

    # What the printouts read from the intake, named here so templates never reach into it.
    @property
    def measured(self) -> bool:
        """Whether a clinician recorded any measurement."""
        return bool(self.intake.measurements)

    @property
    def goal(self) -> str | None:
        goal: str | None = self.intake.answers.get("goal_text")
        return goal

    @property
    def psfs(self) -> list[dict[str, Any]]:
        """The Patient-Specific Functional Scale: the activities the client finds hard, scored."""
        rows: list[dict[str, Any]] = self.intake.answers.get("psfs") or []
        return rows

    def to_json(self) -> str:
        # A first visit's JSON is as it always was: no review, no decisions. pydantic writes
        # the same text as json.dumps(indent=2, ensure_ascii=False) in a tenth of the time
        # (a web intake waits for it); tests/domain holds the two to the same text.
        left_out = {"review"} if self.review is None else set()
        if not self.decisions:
            left_out.add("decisions")
        return self.model_dump_json(indent=2, exclude=left_out) + "\n"
