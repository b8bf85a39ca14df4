"""A clinician's decision about a stored plan, made: the assessment with it applied, rendered
again (the PDF shows "adjusted by" and the sign-off), ready to be saved as a new version."""

from __future__ import annotations

from collections.abc import Sequence

from assess.definitions.knowledge import KnowledgeBase, load_knowledge
from assess.domain.assessment import Assessment
from assess.domain.decisions import Decision
from assess.domain.errors import InvalidInput
from assess.reasoning.adjust import apply_decision
from assess.rendering.letterhead import Letterhead
from assess.rendering.pdf import PageSize
from assess.services.render import Rendered, rendered


def decided(a: Assessment, decision: Decision, *, page_size: PageSize = "A4",
            letterhead: Letterhead | None = None) -> Rendered:
    """`a` with `decision` made and rendered (InvalidInput, naming the field, if it cannot be)."""
    return rendered(apply_decision(load_knowledge(), a, decision), page_size=page_size, letterhead=letterhead)


def reapplied(a: Assessment, decisions: Sequence[Decision],
              kb: KnowledgeBase | None = None) -> tuple[Assessment, list[Decision]]:
    """A re-assessed plan with the clinician's earlier adjustments made again, and those that no
    longer can be (an exercise the rules now leave out cannot have its dose changed). A
    sign-off is never carried over: a changed plan is signed again."""
    kb = kb or load_knowledge()
    dropped = []
    for d in decisions:
        if d.kind == "sign_off":
            continue
        try:
            a = apply_decision(kb, a, d)
        except InvalidInput:
            dropped.append(d)
    return a, dropped
