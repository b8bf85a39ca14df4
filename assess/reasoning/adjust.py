"""A clinician's decision applied to an assessment: the plan with an exercise removed, one
added from the catalogue or a dose changed, or the plan signed off. Each is checked first: a
referral takes no exercise, an exercise a precaution excludes is added only when the clinician
overrides that precaution with a reason, and whatever the client reads of an added exercise
(its next step, its "too hard?" exercise) is never one a precaution excludes."""

from __future__ import annotations

from assess.definitions.knowledge import KnowledgeBase
from assess.domain.assessment import Assessment
from assess.domain.decisions import Decision
from assess.domain.errors import FieldProblem, InvalidInput
from assess.domain.plan import Block, NextStep, PlannedExercise
from assess.reasoning.assemble import aids_for, exercise_source
from assess.reasoning.session import dose_text, minutes

ADDED_BLOCK = "clinician_added"  # where an added exercise goes when its own block is not in the plan
_SOURCE = "the clinician's decision"


def _refuse(path: str, why: str) -> InvalidInput:
    return InvalidInput(_SOURCE, [FieldProblem(path, why)], what="decision")


def excluding(kb: KnowledgeBase, a: Assessment, exercise_id: str) -> list[str]:
    """The precautions that apply to this client and rule this exercise out, by id."""
    tags = set(kb.exercises[exercise_id].tags)
    return sorted({p.id for p in a.precautions if tags & set(p.excludes)})


def _added(kb: KnowledgeBase, a: Assessment, d: Decision, overridden: set[str]) -> PlannedExercise:
    ex = kb.exercises[str(d.exercise)]
    level = getattr(kb.plan.dose_levels, a.plan.dose_level)

    removed = {x.exercise for x in a.adjustments if x.kind == "remove"} - set(a.plan.exercise_ids())

    def allowed(other: str | None) -> bool:  # nothing excluded (and not overridden), nothing removed
        return other is not None and other not in removed and not set(excluding(kb, a, other)) - overridden

    nxt = NextStep(id=ex.progression, name=kb.exercises[ex.progression].name,
                   when=kb.plan.wording.next_step_when.format(retest=ex.retest)) \
        if allowed(ex.progression) and ex.progression else None
    regression_id = ex.regression.exercise if allowed(ex.regression.exercise) else None
    regression = kb.plan.wording.go_back_to.format(exercise=kb.exercises[regression_id].name) \
        if regression_id else ex.regression.text or kb.plan.regression_fallback
    return PlannedExercise(
        id=ex.id, name=ex.name, block=ADDED_BLOCK, side="both", emphasis=None,
        dose=d.dose or dose_text(kb.plan.wording, ex, level), frequency=ex.dose.frequency,
        dose_source=ex.dose.source, minutes=minutes(ex, "both"), start=ex.start, cues=ex.cues,
        aids=aids_for(ex, set(a.intake.answers.get("equipment") or ())), feel=ex.feel,
        why=f"Added by {d.by}: {d.reason}", rules=(), next_step=nxt, retest=ex.retest,
        regression=regression, regression_id=regression_id, figure=ex.figure,
        source=exercise_source(kb, ex))


def _check(kb: KnowledgeBase, a: Assessment, d: Decision) -> None:
    if not d.reason.strip():
        raise _refuse("reason", "say why; the reason is kept with the decision and shown in the audit")
    planned = set(a.plan.exercise_ids())
    if d.kind == "sign_off":
        if not a.plan.clinician_review.required:
            raise _refuse("kind", "this plan does not need a sign-off")
        if a.signed_off is not None:
            raise _refuse("kind", f"this plan was already signed off by {a.signed_off.by}")
        return
    if a.plan.referral:
        raise _refuse("exercise", "a referral has no exercise plan: a red flag means no exercise until "
                                  "the client has been seen")
    if d.exercise not in kb.exercises:
        raise _refuse("exercise", f"{d.exercise!r} is not an exercise of the catalogue")
    if d.kind in ("remove", "dose") and d.exercise not in planned:
        raise _refuse("exercise", f"{kb.exercises[d.exercise].name} is not in this plan")
    if d.kind == "dose" and not (d.dose or "").strip():
        raise _refuse("dose", "give the new dose")
    if d.kind == "add":
        if d.exercise in planned:
            raise _refuse("exercise", f"{kb.exercises[d.exercise].name} is already in this plan")
        excluded = excluding(kb, a, d.exercise)
        if set(excluded) != set(d.overrides):
            titles = {p.id: p.title for p in a.precautions}
            names = "; ".join(titles[p] for p in excluded)
            why = f"{kb.exercises[d.exercise].name} is ruled out by the precaution {names}: it can be " \
                "added only by overriding that precaution, with the reason" if excluded else \
                "no precaution rules this exercise out: there is nothing to override"
            raise _refuse("overrides", why)


def apply_decision(kb: KnowledgeBase, a: Assessment, d: Decision) -> Assessment:
    """`a` with the decision `d` made (InvalidInput, naming the field, when it cannot be)."""
    _check(kb, a, d)
    if d.exercise and not d.name:
        d = d.model_copy(update={"name": kb.exercises[d.exercise].name})
    decisions = (*a.decisions, d)
    if d.kind == "sign_off":
        return a.model_copy(update={"decisions": decisions})
    blocks = list(a.plan.blocks)
    if d.kind == "remove":
        # Nothing the client reads points at it any more: not a card, a next step or a "too hard?".
        def without(e: PlannedExercise) -> PlannedExercise:
            update: dict[str, object] = {}
            if e.regression_id == d.exercise:
                update |= {"regression_id": None,
                           "regression": kb.exercises[e.id].regression.text or kb.plan.regression_fallback}
            if e.next_step is not None and e.next_step.id == d.exercise:
                update["next_step"] = None
            return e.model_copy(update=update) if update else e

        blocks = [b.model_copy(update={"exercises": tuple(without(e) for e in b.exercises
                                                          if e.id != d.exercise)}) for b in blocks]
        blocks = [b for b in blocks if b.exercises]
    elif d.kind == "dose":
        blocks = [b.model_copy(update={"exercises": tuple(
            e.model_copy(update={"dose": str(d.dose).strip()}) if e.id == d.exercise else e
            for e in b.exercises)}) for b in blocks]
    else:
        overridden = set(d.overrides) | {o for x in a.decisions for o in x.overrides}
        added = _added(kb, a, d, overridden)
        at = next((n for n, b in enumerate(blocks) if b.id == ADDED_BLOCK), None)
        if at is None:
            words = kb.plan.wording
            blocks.append(Block(id=ADDED_BLOCK, title=words.added_block_title,
                                purpose=words.added_block_purpose, emphasis=None, exercises=(added,)))
        else:
            blocks[at] = blocks[at].model_copy(update={"exercises": (*blocks[at].exercises, added)})
    before, after = ({e.id: e.minutes for b in bs for e in b.exercises} for bs in (a.plan.blocks, blocks))
    plan = a.plan.model_copy(update={
        "blocks": tuple(blocks),
        "session_minutes": a.plan.session_minutes + sum(after.values()) - sum(before.values()),
        "left_out": tuple(x for x in a.plan.left_out if not (d.kind == "add" and x.id == d.exercise)),
    })
    return a.model_copy(update={"plan": plan, "decisions": decisions})


def decision_words(kb: KnowledgeBase, a: Assessment,
                   decisions: tuple[Decision, ...] | None = None) -> list[tuple[Decision, str]]:
    """Each decision (the assessment's, or those given) with its words, said with the
    exercise's name and the overridden precautions' titles."""
    titles = {p.id: p.title for p in a.precautions}
    return [(d, d.words(kb.exercises[d.exercise].name if d.exercise in kb.exercises else None, titles))
            for d in (a.decisions if decisions is None else decisions)]
