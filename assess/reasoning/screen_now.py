"""Red flags while the questionnaire is still being answered.

A client who answers "yes" to new bladder trouble must be told what to do at once, not at
the end of forty more questions. This runs the knowledge base's own red-flag rules (never a
second copy of them) over the answers so far.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from assess.definitions.knowledge import load_knowledge
from assess.definitions.rule_conclusions import ReferralAct
from assess.definitions.rule_language import AnswerCond, flatten
from assess.domain.plan import Referral
from assess.domain.results import FactKind


@cache
def red_flag_items() -> frozenset[str]:
    """The questions some red-flag rule reads: only an answer to one of them can raise one."""
    kb = load_knowledge()
    return frozenset(c.answer for r in kb.rules if any(isinstance(a, ReferralAct) for a in r.then)
                     for c in flatten(r.when) if isinstance(c, AnswerCond))


def referral_so_far(answers: dict[str, Any]) -> Referral | None:
    """The referral the answers given so far already call for, or None."""
    from assess.domain.assessment import Intake
    from assess.inference.engine import default_engine
    from assess.inference.facts import intake_facts
    from assess.reasoning.assemble import referral_of

    engine = default_engine()
    # The answers alone: the catalogue plays no part in whether to refer.
    refs = engine.run(intake_facts(Intake(answers=answers)), catalogue=False).of(FactKind.REFERRAL)
    return referral_of(engine.kb, refs) if refs else None
