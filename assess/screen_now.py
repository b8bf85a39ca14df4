"""Red flags while the questionnaire is still being answered.

A client who answers "yes" to new bladder trouble must be told what to do at once, not at
the end of forty more questions. This runs the knowledge base's own red-flag rules (never a
second copy of them) over the answers so far.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from assess.knowledge import load_knowledge
from assess.plan_models import Referral
from assess.results import FactKind
from assess.rule_language import AnswerCond, ReferralAct, flatten


@cache
def red_flag_items() -> frozenset[str]:
    """The questions some red-flag rule reads: only an answer to one of them can raise one."""
    kb = load_knowledge()
    return frozenset(c.answer for r in kb.rules if any(isinstance(a, ReferralAct) for a in r.then)
                     for c in flatten(r.when) if isinstance(c, AnswerCond))


def referral_so_far(answers: dict[str, Any]) -> Referral | None:
    """The referral the answers given so far already call for, or None."""
    from assess.engine import default_engine
    from assess.facts import intake_facts
    from assess.plan import referral_of

    engine = default_engine()
    refs = engine.run(intake_facts({"answers": answers})).of(FactKind.REFERRAL)
    return referral_of(engine.kb, refs) if refs else None
