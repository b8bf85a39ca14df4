"""The plan (or referral) assembled from one engine run.

Assembly makes no clinical decision: it takes what the rules prescribed, removes what
they excluded, merges sides, orders blocks and caps the session as rules/plan.yaml says.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from assess.engine import FactRecord, RunResult
from assess.knowledge import KnowledgeBase
from assess.knowledge_models import Exercise
from assess.plan_models import (
    Block,
    ClinicianReview,
    Deferred,
    LeftOut,
    Letter,
    NextStep,
    Plan,
    PlannedExercise,
    PrecautionOut,
    Referral,
    ReferralReason,
    ReviewReason,
    Side,
)


def referral_of(kb: KnowledgeBase, refs: list[FactRecord]) -> Referral:
    """The red flags of a run as one referral, most urgent first."""
    reasons = sorted(
        (ReferralReason(
            reason=r.fields["reason"],
            text=kb.plan.referrals.reasons[r.fields["reason"]],
            reported=r.fields["reported"],
            urgency=r.fields["urgency"],
            rule=r.by[0],
        ) for r in refs),
        key=lambda x: (kb.plan.urgency(x.urgency).rank, x.rule),
    )
    top = kb.plan.urgency(reasons[0].urgency)
    return Referral(urgency=reasons[0].urgency, label=top.label, action=top.action,
                    reasons=tuple(reasons), source=kb.plan.referrals.source)


def merge_sides(sides: set[str]) -> Side:
    """The sides of several conclusions as one: left and right together are both."""
    if "both" in sides or {"left", "right"} <= sides:
        return "both"
    if "left" in sides:
        return "left"
    if "right" in sides:
        return "right"
    return "none"


def _matched(run: RunResult, prescribes: list[FactRecord], kind: str) -> list[FactRecord]:
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
            elif fact.kind == "Prescribe":
                todo.append(idx)
    return out


def _why(kb: KnowledgeBase, run: RunResult, prescribes: list[FactRecord]) -> str:
    """One line: the patterns (in plain words) that the prescribing rules matched."""
    reasons: list[str] = []
    for fact in _matched(run, prescribes, "Pattern"):
        text = kb.plan.patterns.get(fact.fields["id"], fact.fields["id"])
        if fact.fields.get("basis") == "reported":
            text += " (from your answers; a trial)"
        reasons.append(text)
    unique = list(dict.fromkeys(reasons))
    return "For: " + "; ".join(unique) if unique else "Prescribed by " + ", ".join(
        sorted({r for p in prescribes for r in p.by}))


def _instead_of(kb: KnowledgeBase, run: RunResult, prescribes: list[FactRecord]) -> str | None:
    """The exercise this one stands in for, when a substitution put it in the plan."""
    replaced = [f.fields["exercise"] for f in _matched(run, prescribes, "Exclude")]
    return kb.exercises[replaced[0]].name if replaced else None


def _aids(ex: Exercise, equipment: set[str]) -> tuple[str, ...]:
    return tuple(f"{a.name}: {a.how}" for a in ex.aids
                 if not a.equipment or equipment.intersection(a.equipment))


def _allocate(kb: KnowledgeBase, queues: dict[str, list[str]], block_order: list[str], *,
              gentle: bool) -> tuple[dict[str, list[str]], list[Deferred]]:
    """Round-robin over blocks in order (each block's first exercise, then each second...)
    within the caps of rules/plan.yaml; what does not fit waits as a next step."""
    session = kb.plan.session
    max_total = session.max_exercises_gentle if gentle else session.max_exercises
    max_block = session.max_per_block
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


def precautions_of(kb: KnowledgeBase, run: RunResult) -> tuple[PrecautionOut, ...]:
    """The precautions that apply, one per id with its sides merged, in the data file's order."""
    facts: dict[str, list[FactRecord]] = defaultdict(list)
    for f in run.of("Precaution"):
        facts[f.fields["id"]].append(f)
    order = list(kb.precautions)
    out = []
    for pid in sorted(facts, key=order.index):
        data = kb.precautions[pid]
        out.append(PrecautionOut(
            id=pid, title=data.title, text=" ".join(data.client.split()),
            side=merge_sides({f.fields["side"] for f in facts[pid]}),
            rules=tuple(sorted({r for f in facts[pid] for r in f.by})),
            excludes=data.excludes, sign_off=data.sign_off, source=str(data.source)))
    return tuple(out)


def _left_out(kb: KnowledgeBase, run: RunResult, excluded: dict[str, list[FactRecord]],
              planned: set[str]) -> tuple[LeftOut, ...]:
    """Exercises the rules would have given (now or as a next step) that a precaution left out:
    the client is told not to do them, and why, in the catalogue's words where it has some."""
    candidates = {f.fields["exercise"] for f in run.of("Prescribe") if f.fields["step"] in ("now", "later")}
    out = []
    for ex_id in sorted(candidates - planned, key=list(kb.exercises).index):
        safety = [f for f in excluded.get(ex_id, []) if f.fields["kind"] == "safety"]
        if not safety:
            continue
        ex = kb.exercises[ex_id]
        tags = dict.fromkeys(kb.catalogue.tags[f.fields["tag"]] for f in safety)
        why = ex.when_excluded or "It involves " + "; ".join(tags) + "."
        out.append(LeftOut(id=ex_id, name=ex.name, why=" ".join(why.split()),
                           precautions=tuple(dict.fromkeys(f.fields["precaution"] for f in safety))))
    return tuple(out)


def _cautions(kb: KnowledgeBase, run: RunResult) -> dict[str, list[str]]:
    """Card instructions by exercise: a precaution's change for a tag, or the exercise's own care."""
    out: dict[str, list[str]] = defaultdict(list)
    for f in run.of("Caution"):
        ex_id, pid, tag = f.fields["exercise"], f.fields["precaution"], f.fields["tag"]
        text = kb.precautions[pid].modifies[tag] if tag else kb.exercises[ex_id].care[pid]
        text = " ".join(text.split())
        if text not in out[ex_id]:
            out[ex_id].append(text)
    return out


def _review(kb: KnowledgeBase, run: RunResult, precautions: tuple[PrecautionOut, ...]) -> ClinicianReview:
    reasons = [ReviewReason(id=p.id, kind="precaution", text=p.title, rules=p.rules)
               for p in precautions if p.sign_off]
    for f in run.of("Review"):
        reasons.append(ReviewReason(id=f.fields["reason"], kind="history",
                                    text=kb.plan.review_reasons[f.fields["reason"]], rules=f.by))
    screens = list(kb.plan.screens)
    for f in sorted(run.of("NotScreened"), key=lambda f: screens.index(f.fields["screen"])):
        screen = f.fields["screen"]
        if any(r.id == screen and r.kind == "not_screened" for r in reasons):
            continue
        reasons.append(ReviewReason(id=screen, kind="not_screened",
                                    text=f"Not screened: {kb.plan.screens[screen]}", rules=f.by))
    return ClinicianReview(required=bool(reasons), reasons=tuple(reasons))


def _letters(kb: KnowledgeBase, precautions: tuple[PrecautionOut, ...]) -> tuple[Letter, ...]:
    because: dict[str, list[str]] = defaultdict(list)
    for p in precautions:
        letter = kb.precautions[p.id].letter
        if letter:
            because[letter].append(p.title)
    return tuple(Letter(id=lid, to=kb.plan.letters[lid].to, reason=kb.plan.letters[lid].reason,
                        because=tuple(titles), source=kb.plan.letters[lid].source)
                 for lid, titles in because.items())


def _regression(kb: KnowledgeBase, ex: Exercise, offered: set[str]) -> tuple[str, str | None]:
    """The card's "too hard?" line: another exercise only when the rules offered it as a
    regression and the safety rules let it stand (RX-REG-01), otherwise a smaller version."""
    target = ex.regression.exercise
    if target is None:
        return ex.regression.text or "", None
    if target not in offered:
        return kb.plan.regression_fallback, None
    return f"Go back to {kb.exercises[target].name}.", target


def assemble(kb: KnowledgeBase, run: RunResult, *, equipment: list[str],
             assessed_on: dt.date) -> Plan:
    """Build the plan from a run: referral, or blocks within the session caps."""
    precautions = precautions_of(kb, run)
    stop_if = tuple(dict.fromkeys((*kb.plan.stop_if.items,
                                   *(" ".join(i.split()) for p in precautions
                                     for i in kb.precautions[p.id].stop_if))))
    advice_ids = [f.fields["id"] for f in run.of("Advice")]
    refs = run.of("Referral")
    review = _review(kb, run, precautions)
    if refs:
        # A red flag means a referral and no exercise, whatever else fired.
        detail = referral_of(kb, refs)
        reason = "; ".join(dict.fromkeys(r.text for r in detail.reasons))
        return Plan(referral=True, reason=reason,
                    referral_detail=detail, blocks=(), deferred=(), advice=(),
                    stop_if=stop_if, clinician_review=review, review_weeks=None, review_date=None)

    excluded_facts: dict[str, list[FactRecord]] = defaultdict(list)
    for f in run.of("Exclude"):
        excluded_facts[f.fields["exercise"]].append(f)
    excluded = set(excluded_facts)
    now: dict[str, list[FactRecord]] = defaultdict(list)
    later: dict[str, list[FactRecord]] = defaultdict(list)
    regressions = {p.fields["exercise"] for p in run.of("Prescribe")
                   if p.fields["step"] == "regression" and p.fields["exercise"] not in excluded}
    for p in run.of("Prescribe"):
        if p.fields["exercise"] in excluded or p.fields["step"] not in ("now", "later"):
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
        # A substitute takes the place of the exercise it replaces; anything else a block
        # does not list comes after the listed ones.
        replaced = [f.fields["exercise"] for f in _matched(run, now[ex_id], "Exclude")]
        key = next((r for r in replaced if r in listed), ex_id)
        first = listed.index(key) if key in listed else len(listed)
        return first, min(f.fields["order"] for f in now[ex_id]), ex_id

    for ex_id in sorted(now, key=rank):
        queues[home[ex_id]].append(ex_id)

    # The safety rules ask for a gentle start with severe or very recent pain.
    gentle = any(f.fields["mode"] == "gentle" for f in run.of("Session"))
    chosen, deferred = _allocate(kb, queues, block_order, gentle=gentle)

    have = set(equipment)
    cautions = _cautions(kb, run)
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
            regression, regression_id = _regression(kb, ex, regressions)
            items.append(PlannedExercise(
                id=ex.id, name=ex.name, block=block_def.id, side=side,
                emphasis=emph if side == "both" else None,
                dose=ex.dose.summary(), frequency=ex.dose.frequency, dose_source=ex.dose.source,
                start=ex.start, cues=ex.cues, aids=_aids(ex, have), feel=ex.feel,
                why=_why(kb, run, facts), rules=tuple(sorted({r for f in facts for r in f.by})),
                next_step=nxt, regression=regression, regression_id=regression_id,
                cautions=tuple(cautions.get(ex_id, ())), instead_of=_instead_of(kb, run, facts),
                figure=ex.figure, source=f"{ex.seed}: \"{ex.passage}\"",
            ))
        blocks.append(Block(id=block_def.id, title=block_def.title, purpose=block_def.purpose,
                            emphasis=emphasis.get(block_def.id), exercises=tuple(items)))

    review_settings = kb.plan.review
    weeks = (review_settings.sooner_weeks if gentle else review_settings.weeks) if blocks else None
    advice = tuple(kb.plan.advice[a] for a in dict.fromkeys(sorted(advice_ids)))
    planned = {e.id for b in blocks for e in b.exercises}
    return Plan(referral=False, reason=None, referral_detail=None, blocks=tuple(blocks),
                deferred=tuple(deferred), left_out=_left_out(kb, run, excluded_facts, planned),
                advice=advice, stop_if=stop_if, letters=_letters(kb, precautions),
                clinician_review=review, review_weeks=weeks,
                review_date=assessed_on + dt.timedelta(weeks=weeks) if weeks else None)
