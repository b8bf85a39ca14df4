"""Building one session from what the rules prescribed: the order of blocks, what fits, the dose.

No clinical decision is made here: the rules say what is prescribed, which blocks matter and
why (Priority facts), which block leads (Lead) and the irritability level (Dose); the numbers
(caps, weights, doses) come from rules/plan.yaml. This module only applies them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.knowledge_models import Exercise
from assess.definitions.plan_settings import DoseLevel, Wording
from assess.domain.plan import Deferred, Side
from assess.domain.results import FactKind, RunResult

LEVELS = ("high", "moderate")  # from the most cautious; neither concluded means "low"


def dose_level(run: RunResult) -> str:
    """The irritability level the rules concluded: the highest applies."""
    concluded = {f.fields["level"] for f in run.of(FactKind.DOSE)}
    return next((level for level in LEVELS if level in concluded), "low")


def block_order(kb: KnowledgeBase, run: RunResult, blocks: list[str]) -> list[str]:
    """Blocks most important first: a block the rules say leads, then by the points of the
    reasons the rules gave (plan.yaml priority weights), then the plan's default order."""
    default = [b.id for b in kb.plan.blocks]
    leads = {f.fields["block"] for f in run.of(FactKind.LEAD)}
    weights = kb.plan.priority.weights
    score: Counter[str] = Counter()
    for f in run.of(FactKind.PRIORITY):
        score[f.fields["block"]] += weights[f.fields["because"]]
    # Blocks that lead keep the plan's order among themselves (a faller's strength and balance
    # before the bone work); the rest follow by their points.
    return sorted(blocks, key=lambda b: (b not in leads, default.index(b) if b in leads else 0,
                                         -score[b], default.index(b)))


def _inline(label: str) -> str:
    """A label inside a sentence: "Pain at the top" -> "pain at the top" (not "TFL")."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def block_reasons(kb: KnowledgeBase, run: RunResult,
                  carries: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """Why each block comes where it does, in the client's words, the weightiest reason first.
    A block also carries the reasons of the blocks whose exercises it took in (`carries`:
    block -> the blocks its exercises were prescribed by)."""
    texts = {**kb.plan.findings, **kb.plan.patterns}
    weights = kb.plan.priority.weights
    # block -> reason kind -> the labels behind it, in the order the rules concluded them
    found: dict[str, dict[str, list[str]]] = {}
    for f in run.of(FactKind.PRIORITY):
        about = f.fields["about"]
        label = _inline(texts[about]) if about in texts else ""
        for home in (h for h, sources in carries.items() if f.fields["block"] in sources):
            labels = found.setdefault(home, {}).setdefault(f.fields["because"], [])
            if label not in labels:
                labels.append(label)
    out: dict[str, tuple[str, ...]] = {}
    for f in run.of(FactKind.LEAD):
        # A pathway's block says why its guideline puts it first; any other lead, that the
        # rest of the plan builds on it.
        why = kb.plan.priority.leads.get(f.fields.get("because") or "", kb.plan.priority.lead)
        for home in (h for h, sources in carries.items() if f.fields["block"] in sources):
            if why not in out.get(home, ()):
                # A block's own reason to lead comes before one it carries for another block.
                own = f.fields["block"] == home
                out[home] = (why, *out.get(home, ())) if own else (*out.get(home, ()), why)
    for block, kinds in found.items():
        ranked = sorted(kinds, key=lambda kind: -weights[kind])  # type: ignore[index]
        out[block] = out.get(block, ()) + tuple(kb.plan.priority.reasons[kind].format(  # type: ignore[index]
            about=_and(labels)) for kind, labels in ((k, kinds[k]) for k in ranked))
    return out


def _and(labels: list[str]) -> str:
    labels = [label for label in labels if label]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1] if labels else ""


def minutes(ex: Exercise, side: Side) -> int:
    """Minutes an exercise takes in a session: per side when it is done on both sides."""
    return ex.minutes * (2 if ex.side_specific and side == "both" else 1)


@dataclass
class Session:
    chosen: dict[str, list[str]]
    deferred: list[Deferred]
    minutes: int


def build_session(kb: KnowledgeBase, queues: dict[str, list[str]], order: list[str],
                  sides: dict[str, Side], level: DoseLevel) -> Session:
    """The work that matters most across every block, within the level's caps: the blocks take
    turns in `order`, one exercise each per turn, each block's in its own order; first only
    exercises whose movement goal the session does not yet hold, then the rest. So a session
    meets each finding and pathway before it holds a second drill for any one goal, and what
    does not fit is added at the review, listed once with the cap that kept it out."""
    chosen: dict[str, list[str]] = {}
    taken: set[str] = set()
    goals: set[str] = set()
    total = 0

    def counted(ids: Iterable[str]) -> int:
        # Work done outside the session (a walk on other days, no minutes in it) takes no
        # place in the session's caps.
        return sum(1 for e in ids if kb.exercises[e].minutes)

    def fits(block: str, ex_id: str) -> bool:
        if not kb.exercises[ex_id].minutes:
            return True
        return (counted(taken) < level.max_exercises and counted(chosen.get(block, [])) < level.max_per_block
                and total + minutes(kb.exercises[ex_id], sides[ex_id]) <= level.max_minutes)

    for new_goals_only in (True, False):
        turned = True
        while turned:
            turned = False
            for block in order:
                pick = next((ex_id for ex_id in queues.get(block, []) if ex_id not in taken
                             and not (new_goals_only and kb.exercises[ex_id].goal in goals)
                             and fits(block, ex_id)), None)
                if pick is None:
                    continue
                chosen.setdefault(block, []).append(pick)
                taken.add(pick)
                goals.add(kb.exercises[pick].goal)
                total += minutes(kb.exercises[pick], sides[pick])
                turned = True
    # The session holds each block's exercises in the block's own order.
    chosen = {b: [e for e in queues[b] if e in chosen[b]] for b in order if b in chosen}
    words = kb.plan.wording
    deferred: list[Deferred] = []
    for block in order:
        for ex_id in (e for e in queues.get(block, []) if e not in taken):
            if counted(taken) >= level.max_exercises:
                why = words.deferred_max_exercises.format(max_exercises=level.max_exercises)
            elif counted(chosen.get(block, [])) >= level.max_per_block:
                why = words.deferred_max_per_block.format(max_per_block=level.max_per_block)
            else:
                why = words.deferred_max_minutes.format(max_minutes=level.max_minutes)
            deferred.append(Deferred(id=ex_id, name=kb.exercises[ex_id].name, block=block, reason=why))
    return Session(chosen, deferred, total)


def _lowest(sets: str) -> str:
    match = re.match(r"\s*(\d+)", sets)
    return match.group(1) if match else sets


def one_sided(words: Wording, dose: str, side: str) -> str:
    """A dose written for both legs ("8-12 each leg") said for the one side it is done on."""
    if side not in ("left", "right"):
        return dose
    return re.sub(r"\beach (leg|side)\b", lambda m: words.dose_one_side.format(side=side, limb=m.group(1)),
                  dose)


def dose_text(words: Wording, ex: Exercise, level: DoseLevel) -> str:
    """The card's dose at this level: the lowest sets and a shorter hold when irritability is
    raised, as written otherwise."""
    dose = ex.dose
    sets = _lowest(dose.sets) if dose.sets and level.sets == "lowest" else dose.sets
    hold = dose.hold
    if hold and level.hold:
        # The level's hold replaces the leading time ("30 s stretch, then press and lift").
        hold = re.sub(r"^\d+(?:-\d+)? s", level.hold, hold, count=1)
    parts = []
    counted = (words.dose_one_set if sets == "1" else words.dose_sets).format(sets=sets) if sets else ""
    if sets and dose.reps:
        parts.append(words.dose_sets_reps.format(sets=counted, reps=dose.reps))
    elif sets:
        parts.append(counted)
    elif dose.reps:
        parts.append(dose.reps)
    if hold:
        parts.append(words.dose_hold.format(hold=hold))
    if dose.time:
        parts.append(dose.time)
    return ", ".join(parts)
