"""Which exercises make up a session: the blocks in order, each block's queue, the sides, and
what the session caps let in (reasoning.session). No clinical decision is made here: the
rules prescribed, excluded and ranked; this puts their conclusions in order."""

from __future__ import annotations

from collections import defaultdict

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.plan_settings import DoseLevel
from assess.domain.plan import Side
from assess.domain.results import FactKind, FactRecord, RunResult
from assess.reasoning.session import Session, block_order, build_session


def merge_sides(sides: set[str]) -> Side:
    """The sides of several conclusions as one: left and right together are both."""
    if "both" in sides or {"left", "right"} <= sides:
        return "both"
    if "left" in sides:
        return "left"
    if "right" in sides:
        return "right"
    return "none"


def matched(run: RunResult, prescribes: list[FactRecord], kind: str) -> list[FactRecord]:
    """Facts of `kind` that the rules prescribing an exercise matched, following substitutions
    back to the exercise they replaced."""
    by_index = {f.index: f for f in run.facts}
    declared_by = {i: f for f in run.firings for i in f.declared}
    out: list[FactRecord] = []
    seen: set[int] = set()
    todo = [p.index for p in prescribes]
    while todo:
        index = todo.pop()
        firing = declared_by.get(index)
        if firing is None or index in seen:
            continue
        seen.add(index)
        for idx in firing.matched:
            fact = by_index[idx]
            if fact.kind == kind:
                out.append(fact)
            elif fact.kind == FactKind.PRESCRIBE:
                todo.append(idx)
    return out


def compose(kb: KnowledgeBase, run: RunResult, now: dict[str, list[FactRecord]],
             level: DoseLevel) -> tuple[list[str], dict[str, list[str]], dict[str, Side], Session]:
    """The blocks in order, each block's queue of exercises, their sides, and the session."""
    order = block_order(kb, run, sorted({f.fields["block"] for fs in now.values() for f in fs}))
    # An exercise prescribed in two blocks belongs to the first in block order.
    home: dict[str, str] = {}
    for ex_id, facts in now.items():
        home[ex_id] = min((f.fields["block"] for f in facts), key=order.index)
    priority = {b.id: b.priority for b in kb.plan.blocks}
    queues: dict[str, list[str]] = defaultdict(list)

    def rank(ex_id: str) -> tuple[int, int, str]:
        listed = priority[home[ex_id]]
        # A substitute takes the place of the exercise it replaces; anything else a block
        # does not list comes after the listed ones.
        replaced = [f.fields["exercise"] for f in matched(run, now[ex_id], "Exclude")]
        key = next((r for r in replaced if r in listed), ex_id)
        first = listed.index(key) if key in listed else len(listed)
        return first, min(f.fields["order"] for f in now[ex_id]), ex_id

    for ex_id in sorted(now, key=rank):
        queues[home[ex_id]].append(ex_id)

    sides: dict[str, Side] = {}
    for ex_id, facts in now.items():
        merged = merge_sides({f.fields["side"] for f in facts})
        # A pattern without a side (the hinge, say) means each leg in turn.
        both = "both" if merged == "none" else merged
        sides[ex_id] = both if kb.exercises[ex_id].side_specific else "none"
    return order, queues, sides, build_session(kb, queues, order, sides, level)
