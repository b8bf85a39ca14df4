"""The plan (or referral) assembled from one engine run.

Assembly makes no clinical decision: it takes what the rules prescribed, removes what
they excluded, merges sides, orders blocks and caps the session as rules/plan.yaml says.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.knowledge_models import Exercise
from assess.definitions.questionnaire import battery
from assess.definitions.rule_conclusions import EmphasisAct, PrecautionAct, PrescribeAct
from assess.domain.plan import (
    Block,
    CriteriaCount,
    LeftOut,
    NextStep,
    Plan,
    PlannedExercise,
    PrecautionOut,
    Referral,
    ReferralReason,
)
from assess.domain.results import FactKind, FactRecord, RunResult, Step
from assess.reasoning.compose import compose, matched, merge_sides
from assess.reasoning.review import keep_one_stage
from assess.reasoning.session import (
    block_reasons,
    dose_level,
    dose_text,
    minutes,
    one_sided,
)
from assess.reasoning.sign_off import clinician_review, letters_of

# What the plan tells the client when walking is all that could be given (plan.yaml advice).
FALLBACK_ADVICE = "stay_active_only"


def exercise_source(kb: KnowledgeBase, ex: Exercise) -> str:
    """Where an exercise comes from, as the card's source line: its seed and passage, or the
    guidelines it is taken from."""
    if ex.seed:
        return f"{ex.seed}: \"{ex.passage}\""
    return "; ".join(kb.sources.references[g] for g in ex.guidelines)


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


def side_words(side: str) -> str:
    """A merged side as the printouts say it: "both sides", "left side", or nothing."""
    return {"both": "both sides", "left": "left side", "right": "right side"}.get(side, "")


def _why(kb: KnowledgeBase, run: RunResult, prescribes: list[FactRecord]) -> str:
    """One line: the patterns (in plain words) that the prescribing rules matched. A pattern
    found by measurement is never called a trial, even if an answer suggested it too."""
    basis: dict[str, set[str]] = defaultdict(set)
    for fact in matched(run, prescribes, "Pattern"):
        basis[fact.fields["id"]].add(fact.fields.get("basis", ""))
    words = kb.plan.wording
    trial = " " + words.why_trial
    reasons = [kb.plan.patterns.get(pid, pid) + (trial if bases == {"reported"} else "")
               for pid, bases in basis.items()]
    # A pathway's exercise is there for what its precaution found (a fall, fragile bones).
    reasons += [kb.precautions[f.fields["id"]].title for f in matched(run, prescribes, "Precaution")]
    unique = list(dict.fromkeys(reasons))
    if unique:
        return words.why_for.format(reasons="; ".join(unique))
    return words.why_prescribed_by.format(rules=", ".join(sorted({r for p in prescribes for r in p.by})))


def _instead_of(kb: KnowledgeBase, run: RunResult, prescribes: list[FactRecord]) -> str | None:
    """The exercise this one stands in for, when a substitution put it in the plan."""
    replaced = [f.fields["exercise"] for f in matched(run, prescribes, "Exclude")]
    return kb.exercises[replaced[0]].name if replaced else None


def aids_for(ex: Exercise, equipment: set[str]) -> tuple[str, ...]:
    return tuple(f"{a.name}: {a.how}" for a in ex.aids
                 if not a.equipment or equipment.intersection(a.equipment))


def precautions_of(kb: KnowledgeBase, run: RunResult) -> tuple[PrecautionOut, ...]:
    """The precautions that apply, one per id with its sides merged, in the data file's order."""
    facts: dict[str, list[FactRecord]] = defaultdict(list)
    for f in run.of(FactKind.PRECAUTION):
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
    candidates = {f.fields["exercise"] for f in run.of(FactKind.PRESCRIBE)
                  if f.fields["step"] in (Step.NOW, Step.LATER)}
    out = []
    for ex_id in sorted(candidates - planned, key=list(kb.exercises).index):
        safety = [f for f in excluded.get(ex_id, []) if f.fields["kind"] == "safety"]
        if not safety:
            continue
        ex = kb.exercises[ex_id]
        # Each precaution that left it out says why in its own terms: the exercise's own words
        # for that precaution where the catalogue has them, else the movements it rules out.
        by: dict[str, list[str]] = defaultdict(list)
        for f in safety:
            by[f.fields["precaution"]].append(kb.catalogue.tags[f.fields["tag"]])
        lines = [ex.when_excluded.get(pid) or kb.plan.wording.left_out_involves.format(
                     precaution=kb.precautions[pid].title, tags="; ".join(dict.fromkeys(tags)))
                 for pid, tags in by.items()]
        why = " ".join(dict.fromkeys(" ".join(line.split()) for line in lines))
        out.append(LeftOut(id=ex_id, name=ex.name, why=why, precautions=tuple(by)))
    return tuple(out)


def _cautions(kb: KnowledgeBase, run: RunResult) -> dict[str, list[str]]:
    """Card instructions by exercise: a precaution's change for a tag, or the exercise's own care."""
    out: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    # One instruction per precaution and exercise: an exercise with several of the tags a
    # precaution changes gets the first, not near-repeats of it.
    for f in sorted(run.of(FactKind.CAUTION), key=lambda f: f.index):
        ex_id, pid, tag = f.fields["exercise"], f.fields["precaution"], f.fields["tag"]
        if (ex_id, pid) in seen:
            continue
        seen.add((ex_id, pid))
        text = kb.precautions[pid].modifies[tag] if tag else kb.exercises[ex_id].care[pid]
        text = " ".join(text.split())
        if text not in out[ex_id]:
            out[ex_id].append(text)
    return out


def _checked_normal(kb: KnowledgeBase, run: RunResult) -> tuple[str, ...]:
    """The measurements found within the normal range, in plain words, for the client."""
    tests = battery().by_id()
    sides: dict[str, set[str]] = defaultdict(set)
    for f in run.of(FactKind.FINDING):
        if f.fields["id"] == "within_norm":
            sides[f.fields["about"]].add(f.fields["side"])
    out = []
    for test in tests:
        if test in sides:
            out.append(f"{tests[test].plain_name} ({side_words(merge_sides(sides[test]))})")
    return tuple(out)


def _noticed(kb: KnowledgeBase, run: RunResult) -> tuple[str, ...]:
    """Examination findings that nothing in the plan works on: named for the client so that
    they know the clinician will look at them (plan.yaml noticed_findings)."""
    # A finding is worked on when it leads, through any rule that concluded a prescription, an
    # emphasis or a precaution, to the plan - even when that rule's conclusion repeated one
    # another rule had already drawn (then it declared nothing new, but it still applies).
    acting = {r.id for r in kb.rules
              if any(isinstance(a, PrescribeAct | EmphasisAct | PrecautionAct) for a in r.then)}
    used: set[int] = set()
    todo = [p.index for p in run.of(FactKind.PRESCRIBE)] + [p.index for p in run.of(FactKind.PRECAUTION)]
    todo += [i for f in run.firings if f.rule in acting for i in f.matched]
    declared_by = {i: f for f in run.firings for i in f.declared}
    while todo:
        index = todo.pop()
        if index in used:
            continue
        used.add(index)
        firing = declared_by.get(index)
        if firing is not None:
            todo.extend(firing.matched)
    out = []
    for f in run.of(FactKind.FINDING):
        if f.fields["id"] in kb.plan.noticed_findings and f.index not in used:
            text = kb.plan.findings[f.fields["id"]]
            side = f.fields["side"]
            out.append(text + (f" ({side})" if side in ("left", "right") else ""))
    return tuple(dict.fromkeys(out))


def _regression(kb: KnowledgeBase, ex: Exercise, offered: set[str]) -> tuple[str, str | None]:
    """The card's "too hard?" line: another exercise only when the rules offered it as a
    regression and the safety rules let it stand (RX-REG-01), otherwise a smaller version."""
    target = ex.regression.exercise
    if target is None:
        return ex.regression.text or "", None
    if target not in offered:
        return kb.plan.regression_fallback, None
    return kb.plan.wording.go_back_to.format(exercise=kb.exercises[target].name), target


def _pain_line(kb: KnowledgeBase, pain_now: int | None) -> tuple[str, ...]:
    """The stop rule relative to the client's own pain (plan.yaml pain_monitoring)."""
    if pain_now is None:
        return ()
    rule = kb.plan.pain_monitoring
    text = rule.line.format(rise=rule.rise, ceiling=rule.ceiling, start=pain_now, limit=rule.limit(pain_now))
    return (" ".join(text.split()),)


def assemble(kb: KnowledgeBase, run: RunResult, *, equipment: list[str],
             assessed_on: dt.date, pain_now: int | None = None, counts: Sequence[CriteriaCount] = ()) -> Plan:
    """Build the plan from a run: referral, a plan held for the clinician, or blocks within
    the session caps."""
    precautions = precautions_of(kb, run)
    criteria = tuple(counts)
    today = tuple(" ".join(t.split()) for p in precautions if (t := kb.precautions[p.id].today))
    # The general stop list and the precautions' own; the pain line goes only with exercise.
    seek_care = tuple(dict.fromkeys((*kb.plan.stop_if.items, *(" ".join(i.split()) for p in precautions
                                                               for i in kb.precautions[p.id].stop_if))))
    stop_if = (*_pain_line(kb, pain_now), *seek_care)
    advice_ids = [f.fields["id"] for f in run.of(FactKind.ADVICE)]
    refs = run.of(FactKind.REFERRAL)
    review = clinician_review(kb, run, precautions)
    if refs:
        # A red flag means a referral and no exercise, whatever else fired.
        detail = referral_of(kb, refs)
        reason = "; ".join(dict.fromkeys(r.text for r in detail.reasons))
        return Plan(referral=True, reason=reason,
                    referral_detail=detail, blocks=(), deferred=(), advice=(),
                    stop_if=stop_if, clinician_review=review, review_weeks=None, review_date=None,
                    criteria=criteria)
    if any(kb.precautions[p.id].withhold for p in precautions):
        # No plan by rule: the clinician writes it with the client (and signs it); what the
        # precautions rule out still binds what they add (reasoning.adjust).
        return Plan(referral=False, reason=None, referral_detail=None, blocks=(), deferred=(),
                    advice=(), stop_if=seek_care,
                    letters=letters_of(kb, precautions, criteria),
                    clinician_review=review, withheld=True, today=today, criteria=criteria,
                    review_weeks=None, review_date=None)

    excluded_facts: dict[str, list[FactRecord]] = defaultdict(list)
    for f in run.of(FactKind.EXCLUDE):
        excluded_facts[f.fields["exercise"]].append(f)
    excluded = set(excluded_facts)
    now: dict[str, list[FactRecord]] = defaultdict(list)
    later: dict[str, list[FactRecord]] = defaultdict(list)
    regressions = {p.fields["exercise"] for p in run.of(FactKind.PRESCRIBE)
                   if p.fields["step"] == Step.REGRESSION and p.fields["exercise"] not in excluded}
    for p in run.of(FactKind.PRESCRIBE):
        if p.fields["exercise"] in excluded or p.fields["step"] not in ("now", "later"):
            continue
        (now if p.fields["step"] == Step.NOW else later)[p.fields["exercise"]].append(p)
    keep_one_stage(kb, run, now)  # at a review: one stage of each progression
    emphasis = {f.fields["block"]: f.fields["side"] for f in run.of(FactKind.EMPHASIS)}
    level_name = dose_level(run)
    level = kb.plan.dose_levels.level(level_name)
    order, _, sides, session = compose(kb, run, now, level)
    fallback_used = False
    if not session.chosen:
        # Everything else was left out: what the rules hold for that case (walking, for
        # someone in pain) becomes the plan, so it is never empty (PTH-ACT-01).
        fallback: dict[str, list[FactRecord]] = defaultdict(list)
        for p in run.of(FactKind.PRESCRIBE):
            if p.fields["step"] == Step.FALLBACK and p.fields["exercise"] not in excluded:
                fallback[p.fields["exercise"]].append(p)
        if fallback:
            now = fallback
            order, _, sides, session = compose(kb, run, now, level)
            fallback_used = bool(session.chosen)

    have = set(equipment)
    cautions = _cautions(kb, run)
    carries = {b: {b} | {f.fields["block"] for ex_id in chosen for f in now[ex_id]}
               for b, chosen in session.chosen.items()}
    reasons = block_reasons(kb, run, carries)
    blocks: list[Block] = []
    for block_id in order:
        if not session.chosen.get(block_id):
            continue
        block_def = next(b for b in kb.plan.blocks if b.id == block_id)
        items = []
        for ex_id in session.chosen[block_id]:
            ex = kb.exercises[ex_id]
            facts = now[ex_id]
            nxt = None
            if ex.progression and ex.progression in later and ex.progression not in session.chosen[block_id]:
                nxt = NextStep(id=ex.progression, name=kb.exercises[ex.progression].name,
                               when=kb.plan.wording.next_step_when.format(retest=ex.retest),
                               cautions=tuple(cautions.get(ex.progression, ())))
            side = sides[ex_id]
            # The emphasis of the block it is in, or of the block that prescribed it when
            # another block took it in (a hamstring stretch in the hinge block).
            emph = emphasis.get(block_id) or next(
                (emphasis[f.fields["block"]] for f in facts if f.fields["block"] in emphasis), None)
            regression, regression_id = _regression(kb, ex, regressions)
            items.append(PlannedExercise(
                id=ex.id, name=ex.name, block=block_id, side=side,
                emphasis=emph if side == "both" else None,
                dose=one_sided(kb.plan.wording, dose_text(kb.plan.wording, ex, level), side),
                frequency=ex.dose.frequency,
                dose_source=ex.dose.source,
                minutes=minutes(ex, side), start=ex.start, cues=ex.cues, aids=aids_for(ex, have),
                feel=ex.feel, why=_why(kb, run, facts), rules=tuple(sorted({r for f in facts for r in f.by})),
                next_step=nxt, retest=ex.retest, regression=regression, regression_id=regression_id,
                cautions=tuple(cautions.get(ex_id, ())), instead_of=_instead_of(kb, run, facts),
                figure=ex.figure, source=exercise_source(kb, ex),
            ))
        blocks.append(Block(id=block_id, title=block_def.title, purpose=block_def.purpose,
                            emphasis=emphasis.get(block_id), exercises=tuple(items),
                            because=reasons.get(block_id, ())))

    in_pain = any(f.fields["id"] == "pain_present" for f in run.of(FactKind.FINDING))
    weeks = level.review_weeks if blocks or in_pain else None
    # The plan says so when walking is all it holds (FALLBACK_ADVICE).
    advice_ids += [FALLBACK_ADVICE] if fallback_used else []
    advice = tuple(kb.plan.advice[a] for a in dict.fromkeys(sorted(advice_ids)))
    planned = {e.id for b in blocks for e in b.exercises}
    return Plan(referral=False, reason=None, referral_detail=None, blocks=tuple(blocks),
                deferred=tuple(session.deferred), left_out=_left_out(kb, run, excluded_facts, planned),
                advice=advice, stop_if=stop_if, letters=letters_of(kb, precautions, criteria), today=today,
                criteria=criteria,
                clinician_review=review, dose_level=level_name,
                dose_notes=(level.rest,) if blocks else (),
                session_minutes=session.minutes, checked_normal=_checked_normal(kb, run),
                noticed=_noticed(kb, run), review_weeks=weeks,
                review_date=assessed_on + dt.timedelta(weeks=weeks) if weeks else None)
