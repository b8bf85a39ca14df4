"""Building one session from what the rules prescribed: the order of blocks, what fits, the dose.

No clinical decision is made here: the rules say what is prescribed, which blocks matter and
why (Priority facts), which block leads (Lead) and the irritability level (Dose); the numbers
(caps, weights, doses) come from rules/plan.yaml. This module only applies them.
"""

from __future__ import annotations

import re
from collections import Counter
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
    return sorted(blocks, key=lambda b: (b not in leads, -score[b], default.index(b)))


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
        for home in (h for h, sources in carries.items() if f.fields["block"] in sources):
            out[home] = (kb.plan.priority.lead,)
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
    """Block by block in `order`, each block's exercises in the seed's order, while the session
    stays within the level's caps; what does not fit is added at the review."""
    chosen: dict[str, list[str]] = {}
    deferred: list[Deferred] = []
    total = count = 0
    for block in order:
        for ex_id in queues.get(block, []):
            ex = kb.exercises[ex_id]
            need = minutes(ex, sides[ex_id])
            in_block = len(chosen.get(block, []))
            if count < level.max_exercises and in_block < level.max_per_block \
                    and total + need <= level.max_minutes:
                chosen.setdefault(block, []).append(ex_id)
                total += need
                count += 1
                continue
            words = kb.plan.wording
            if count >= level.max_exercises:
                why = words.deferred_max_exercises.format(max_exercises=level.max_exercises)
            elif in_block >= level.max_per_block:
                why = words.deferred_max_per_block.format(max_per_block=level.max_per_block)
            else:
                why = words.deferred_max_minutes.format(max_minutes=level.max_minutes)
            deferred.append(Deferred(id=ex_id, name=ex.name, block=block,
                                     reason=why))
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
