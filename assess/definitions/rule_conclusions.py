"""The conclusions a rule may write in its `then` (`finding: ...`, `prescribe: ...`), typed like
the conditions in rule_language: unknown keys fail when the knowledge base loads."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from assess.definitions.rule_language import Part, parse_part


class Action(Part):
    pass


class FindingAct(Action):
    key, fact = "finding", "Finding"
    finding: str
    side: str | None = None
    # Which test or answer it came from, and by which method: "how it was found".
    about: str | None = None
    how: str | None = None


class PatternAct(Action):
    key, fact = "pattern", "Pattern"
    pattern: str
    side: str | None = None
    basis: Literal["measured", "reported"] | None = None


class ReferralAct(Action):
    """A red flag: a referral that ends the run (CTL-REF-01) and issues no plan."""

    key, fact = "referral", "Referral"
    referral: str
    urgency: str
    reported: str


class YellowFlagAct(Action):
    key, fact = "yellow_flag", "YellowFlag"
    yellow_flag: str


class PrecautionAct(Action):
    key, fact = "precaution", "Precaution"
    precaution: str
    side: str | None = None


class PrescribeAct(Action):
    key, fact = "prescribe", "Prescribe"
    prescribe: str
    exercises: tuple[str, ...] = Field(min_length=1)
    side: str | None = None
    order: str | int | None = None
    step: str | None = None


class ExcludeAct(Action):
    """Remove an exercise: for safety (because of a precaution and the tag it restricts), or
    because it needs equipment the person does not have."""

    key, fact = "exclude", "Exclude"
    exclude: str
    kind: Literal["safety", "equipment"]
    precaution: str | None = None
    tag: str | None = None
    needs: str | None = None

    @model_validator(mode="after")
    def _why(self) -> ExcludeAct:
        if self.kind == "safety" and not self.precaution:
            raise ValueError("a safety exclusion names the precaution behind it")
        if self.kind == "equipment" and not self.needs:
            raise ValueError("an equipment exclusion names what is needed")
        return self


class CautionAct(Action):
    """An instruction printed on an exercise's card because of a precaution."""

    key, fact = "caution", "Caution"
    caution: str
    precaution: str
    tag: str | None = None


class AdviceAct(Action):
    key, fact = "advice", "Advice"
    advice: str


class LeadAct(Action):
    key, fact = "lead", "Lead"
    lead: str
    # Why it leads (plan.yaml priority.leads); without it, the rest of the plan builds on it.
    because: str | None = None


class EmphasisAct(Action):
    key, fact = "emphasis", "Emphasis"
    emphasis: str
    side: str


class DoseAct(Action):
    """The irritability level that sets the dose: how many exercises, how long, sets, holds,
    range and rest (plan.yaml dose_levels). The highest level concluded applies."""

    key, fact = "dose", "Dose"
    dose: Literal["high", "moderate"]


class PriorityAct(Action):
    """A reason a block matters to this client (plan.yaml priority weights)."""

    key, fact = "priority", "Priority"
    priority: str
    because: Literal["provoker", "goal", "measured", "reported"]
    # The finding or pattern behind the reason, or "goals"; the client is told it.
    about: str


class HaltAct(Action):
    key, fact = "halt", ""
    halt: Literal[True]


class ReviewAct(Action):
    """A reason the plan needs a clinician's review and sign-off (plan.yaml review_reasons)."""

    key, fact = "review", "Review"
    review: str


class QueryAct(Action):
    """Answers that do not fit together, to check with the client before the plan is signed
    (plan.yaml queries; `about` names the answer or test it concerns)."""

    key, fact = "query", "Query"
    query: str
    about: str | None = None


class LetterAct(Action):
    """A routine onward referral that goes with the plan (plan.yaml letters)."""

    key, fact = "letter", "Letter"
    letter: str


class StageAct(Action):
    """At a review: the stage of a progression this client is at now (`stage`), decided from
    the exercise the last plan gave (`from`) by its re-test or by pain; the plan keeps this one
    stage of the progression and drops the others."""

    key, fact = "stage", "Stage"
    stage: str
    from_: str = Field(alias="from")
    because: Literal["retest_passed", "retest_not_passed", "not_retested", "too_soon", "pain_rose"]


class NotScreenedAct(Action):
    """A precaution screen whose answers are missing: reported, never read as "no"."""

    key, fact = "not_screened", "NotScreened"
    not_screened: str


ACTIONS: dict[str, type[Action]] = {a.key: a for a in (
    FindingAct, PatternAct, ReferralAct, YellowFlagAct, PrecautionAct, PrescribeAct, ExcludeAct,
    CautionAct, AdviceAct, LeadAct, EmphasisAct, DoseAct, PriorityAct, HaltAct, ReviewAct, QueryAct,
    LetterAct,
    NotScreenedAct, StageAct)}




def parse_action(raw: object, where: str) -> Action:
    part = parse_part(raw, ACTIONS, "conclusion", where)  # type: ignore[arg-type]
    assert isinstance(part, Action)
    return part
