"""Red flags while the questionnaire is still being answered.

A client who answers "yes" to new bladder trouble must be told what to do at once, not at
the end of forty more questions; so must one who is not sure about it. This runs the knowledge
base's own red-flag rules (never a second copy of them) over the answers so far.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from assess.definitions.knowledge import load_knowledge
from assess.definitions.rule_conclusions import PrecautionAct, ReferralAct
from assess.definitions.rule_language import AnswerCond, flatten
from assess.domain.plan import Referral
from assess.domain.results import FactKind


@cache
def red_flag_items() -> frozenset[str]:
    """The questions some red-flag rule reads, or a rule whose precaution says what to do
    today: only an answer to one of them can call for action at once."""
    kb = load_knowledge()

    def urgent(rule: Any) -> bool:
        return any(isinstance(a, ReferralAct) or (isinstance(a, PrecautionAct)
                                                  and kb.precautions[a.precaution].today)
                   for a in rule.then)

    return frozenset(c.answer for r in kb.rules if urgent(r)
                     for c in flatten(r.when) if isinstance(c, AnswerCond))


@cache
def today_items() -> dict[str, str]:
    """Question -> what to do today, for the answers that alone call for it (a "not sure" about
    a cauda-equina symptom): shown beside the question the moment it is chosen (the web form)."""
    kb = load_knowledge()
    out: dict[str, str] = {}
    for rule in kb.rules:
        today = [kb.precautions[a.precaution].today for a in rule.then
                 if isinstance(a, PrecautionAct) and kb.precautions[a.precaution].today]
        if today and len(rule.when) == 1 and isinstance(rule.when[0], AnswerCond):
            out[rule.when[0].answer] = " ".join(str(today[0]).split())
    return out


def screen_so_far(answers: dict[str, Any]) -> tuple[Referral | None, tuple[str, ...]]:
    """The referral the answers given so far already call for (or None), and what they say
    to do today without a referral."""
    from assess.domain.assessment import Intake
    from assess.inference.engine import default_engine
    from assess.inference.facts import intake_facts
    from assess.reasoning.assemble import referral_of

    engine = default_engine()
    # The answers alone: the catalogue plays no part in whether to refer.
    run = engine.run(intake_facts(Intake(answers=answers)), catalogue=False)
    refs = run.of(FactKind.REFERRAL)
    today = tuple(dict.fromkeys(" ".join(str(t).split()) for f in run.of(FactKind.PRECAUTION)
                                if (t := engine.kb.precautions[f.fields["id"]].today)))
    return (referral_of(engine.kb, refs) if refs else None), today


def referral_so_far(answers: dict[str, Any]) -> Referral | None:
    """The referral the answers given so far already call for, or None."""
    return screen_so_far(answers)[0]


@cache
def emergency_items() -> dict[str, str]:
    """Question -> what to do now, for the questions whose "yes" alone is an emergency referral
    (cauda equina, a worsening deficit): the form shows it at the question the moment "yes" or
    "not sure" is chosen, before the rest is answered."""
    kb = load_knowledge()
    action = " ".join(kb.plan.urgency("emergency").action.split())
    out: dict[str, str] = {}
    for rule in kb.rules:
        refs = [a for a in rule.then if isinstance(a, ReferralAct) and a.urgency == "emergency"]
        if refs and len(rule.when) == 1 and isinstance(rule.when[0], AnswerCond):
            out[rule.when[0].answer] = action
    return out
