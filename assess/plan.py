"""The plan (or referral) assembled from one engine run.

Assembly makes no clinical decision: it takes what the rules prescribed, removes what
they excluded, merges sides, orders blocks and caps the session as rules/plan.yaml says.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assess.engine import FactRecord, RunResult
from assess.knowledge import Exercise, KnowledgeBase

Side = Literal["left", "right", "both", "none"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class NextStep(_Out):
    id: str
    name: str
    when: str


class PlannedExercise(_Out):
    id: str
    name: str
    block: str
    side: Side
    emphasis: Literal["left", "right"] | None
    dose: str
    frequency: str
    dose_source: str
    start: str
    cues: tuple[str, ...]
    aids: tuple[str, ...]
    feel: str
    why: str
    rules: tuple[str, ...]
    next_step: NextStep | None
    regression: str
    figure: str
    source: str


class Block(_Out):
    id: str
    title: str
    purpose: str
    emphasis: Literal["left", "right"] | None
    exercises: tuple[PlannedExercise, ...]


class Deferred(_Out):
    id: str
    name: str
    block: str
    reason: str


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


class Plan(_Out):
    referral: bool
    reason: str | None
    referral_detail: Referral | None
    blocks: tuple[Block, ...]
    deferred: tuple[Deferred, ...]
    advice: tuple[str, ...]
    stop_if: tuple[str, ...]
    review_weeks: int | None
    review_date: dt.date | None

    def exercise_ids(self) -> list[str]:
        return [e.id for b in self.blocks for e in b.exercises]


def _referral(kb: KnowledgeBase, refs: list[FactRecord]) -> Referral:
    reasons = sorted(
        (ReferralReason(
            reason=r.fields["reason"],
            text=kb.plan.referrals["reasons"][r.fields["reason"]],
            reported=r.fields["reported"],
            urgency=r.fields["urgency"],
            rule=r.by[0],
        ) for r in refs),
        key=lambda x: (kb.plan.urgency(x.urgency).rank, x.rule),
    )
    top = kb.plan.urgency(reasons[0].urgency)
    return Referral(urgency=reasons[0].urgency, label=top.label, action=top.action,
                    reasons=tuple(reasons), source=kb.plan.referrals["source"])


def merge_sides(sides: set[str]) -> Side:
    """The sides of several conclusions as one: left and right together are both."""
    if "both" in sides or {"left", "right"} <= sides:
        return "both"
    if "left" in sides:
        return "left"
    if "right" in sides:
        return "right"
    return "none"


def _why(kb: KnowledgeBase, run: RunResult, prescribes: list[FactRecord]) -> str:
    """One line: the patterns (in plain words) that the prescribing rules matched."""
    by_index = {f.index: f for f in run.facts}
    declared_by = {i: f for f in run.firings for i in f.declared}
    reasons: list[str] = []
    for p in prescribes:
        firing = declared_by.get(p.index)
        if firing is None:
            continue
        for idx in firing.matched:
            fact = by_index[idx]
            if fact.kind == "Pattern":
                text = kb.plan.patterns.get(fact.fields["id"], fact.fields["id"])
                if fact.fields.get("basis") == "reported":
                    text += " (from your answers; a trial)"
                reasons.append(text)
            elif fact.kind == "Exclude":
                reasons.append(f"in place of {kb.exercises[fact.fields['exercise']].name}")
    unique = list(dict.fromkeys(reasons))
    return "For: " + "; ".join(unique) if unique else "Prescribed by " + ", ".join(
        sorted({r for p in prescribes for r in p.by}))


def _aids(ex: Exercise, equipment: set[str]) -> tuple[str, ...]:
    return tuple(f"{a.name}: {a.how}" for a in ex.aids
                 if not a.equipment or equipment.intersection(a.equipment))


def _allocate(kb: KnowledgeBase, queues: dict[str, list[str]], block_order: list[str], *,
              gentle: bool) -> tuple[dict[str, list[str]], list[Deferred]]:
    """Round-robin over blocks in order (each block's first exercise, then each second...)
    within the caps of rules/plan.yaml; what does not fit waits as a next step."""
    max_total = int(kb.plan.session["max_exercises_gentle" if gentle else "max_exercises"])
    max_block = int(kb.plan.session["max_per_block"])
    session_full = f"a session holds {max_total} exercises at most" + (
        " while the pain is severe or very recent" if gentle else "")
    chosen: dict[str, list[str]] = defaultdict(list)
    deferred: list[Deferred] = []
    for rnd in range(max(map(len, queues.values()), default=0)):
        for block in block_order:
            queue = queues.get(block, [])
            if rnd >= len(queue):
                continue
            ex_id = queue[rnd]
            if rnd < max_block and sum(map(len, chosen.values())) < max_total:
                chosen[block].append(ex_id)
                continue
            why = (f"the {block.replace('_', ' ')} block holds {max_block} exercises at a time"
                   if rnd >= max_block else session_full)
            deferred.append(Deferred(id=ex_id, name=kb.exercises[ex_id].name, block=block,
                                     reason=f"waits for a later stage: {why}"))
    return chosen, deferred


def assemble(kb: KnowledgeBase, run: RunResult, *, equipment: list[str],
             assessed_on: dt.date) -> Plan:
    """Build the plan from a run: referral, or blocks within the session caps."""
    stop_if = tuple(kb.plan.stop_if["items"])
    advice_ids = [f.fields["id"] for f in run.of("Advice")]
    refs = run.of("Referral")
    if refs:
        # A red flag means a referral and no exercise, whatever else fired.
        detail = _referral(kb, refs)
        reason = "; ".join(dict.fromkeys(r.text for r in detail.reasons))
        return Plan(referral=True, reason=reason,
                    referral_detail=detail, blocks=(), deferred=(), advice=(),
                    stop_if=stop_if, review_weeks=None, review_date=None)

    excluded = {f.fields["exercise"] for f in run.of("Exclude")}
    now: dict[str, list[FactRecord]] = defaultdict(list)
    later: dict[str, list[FactRecord]] = defaultdict(list)
    for p in run.of("Prescribe"):
        if p.fields["exercise"] in excluded:
            continue
        (now if p.fields["step"] == "now" else later)[p.fields["exercise"]].append(p)

    default_order = [b.id for b in kb.plan.blocks]
    leads = {f.fields["block"] for f in run.of("Lead")}
    block_order = sorted(default_order, key=lambda b: (b not in leads, default_order.index(b)))
    emphasis = {f.fields["block"]: f.fields["side"] for f in run.of("Emphasis")}

    # An exercise prescribed in two blocks belongs to the first in block order.
    home: dict[str, str] = {}
    for ex_id, facts in now.items():
        home[ex_id] = min((f.fields["block"] for f in facts), key=block_order.index)
    priority = {b.id: b.priority for b in kb.plan.blocks}
    queues: dict[str, list[str]] = defaultdict(list)

    def rank(ex_id: str) -> tuple[int, int, str]:
        listed = priority[home[ex_id]]
        # Substitutes may land in a block that does not list them: after the listed ones.
        first = listed.index(ex_id) if ex_id in listed else len(listed)
        return first, min(f.fields["order"] for f in now[ex_id]), ex_id

    for ex_id in sorted(now, key=rank):
        queues[home[ex_id]].append(ex_id)

    # The safety rules ask for a gentle start with severe or very recent pain.
    gentle = any(f.fields["mode"] == "gentle" for f in run.of("Session"))
    chosen, deferred = _allocate(kb, queues, block_order, gentle=gentle)

    have = set(equipment)
    blocks: list[Block] = []
    for block_def in sorted(kb.plan.blocks, key=lambda b: block_order.index(b.id)):
        if not chosen.get(block_def.id):
            continue
        items = []
        for ex_id in chosen[block_def.id]:
            ex = kb.exercises[ex_id]
            facts = now[ex_id]
            nxt = None
            if ex.progression and ex.progression in later and ex.progression not in chosen[block_def.id]:
                nxt = NextStep(id=ex.progression, name=kb.exercises[ex.progression].name,
                               when=ex.progression_when or "when this is easy")
            side: Side = "none"
            if ex.side_specific:
                # A pattern without a side (the hinge, say) means each leg in turn.
                merged = merge_sides({f.fields["side"] for f in facts})
                side = "both" if merged == "none" else merged
            emph = emphasis.get(block_def.id)
            items.append(PlannedExercise(
                id=ex.id, name=ex.name, block=block_def.id, side=side,
                emphasis=emph if side == "both" else None,
                dose=ex.dose.summary(), frequency=ex.dose.frequency, dose_source=ex.dose.source,
                start=ex.start, cues=ex.cues, aids=_aids(ex, have), feel=ex.feel,
                why=_why(kb, run, facts), rules=tuple(sorted({r for f in facts for r in f.by})),
                next_step=nxt, regression=ex.regression, figure=ex.figure,
                source=f"{ex.seed}: \"{ex.passage}\"",
            ))
        blocks.append(Block(id=block_def.id, title=block_def.title, purpose=block_def.purpose,
                            emphasis=emphasis.get(block_def.id), exercises=tuple(items)))

    weeks = int(kb.plan.review["sooner_weeks" if gentle else "weeks"]) if blocks else None
    advice = tuple(kb.plan.advice[a] for a in dict.fromkeys(sorted(advice_ids)))
    return Plan(referral=False, reason=None, referral_detail=None, blocks=tuple(blocks),
                deferred=tuple(deferred), advice=advice, stop_if=stop_if, review_weeks=weeks,
                review_date=assessed_on + dt.timedelta(weeks=weeks) if weeks else None)
