"""At a review: which stage of each progression the plan keeps (the `Stage` conclusions of
rules/progression.yaml), and how this visit compares with the last (outcome measures against
their MCID, the plan's changes with the rule behind each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping, Sequence
from typing import Any

from assess.definitions.knowledge import KnowledgeBase
from assess.definitions.outcomes import Measure
from assess.domain.assessment import Assessment, Intake
from assess.domain.plan import Plan
from assess.domain.results import FactKind, RunResult
from assess.domain.review import OutcomeChange, Review, StageChange, VisitPoint


def progressions(kb: KnowledgeBase) -> dict[str, str]:
    """Exercise -> a name for the progression it belongs to: exercises joined by `progression`
    links, in either direction, are one progression (two first stages may lead to the same
    second). Exercises in no progression are absent."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for ex in kb.exercises.values():
        if ex.progression:
            parent[root(ex.id)] = root(ex.progression)
    return {x: root(x) for x in parent}


def keep_one_stage(kb: KnowledgeBase, run: RunResult, now: MutableMapping[str, Any]) -> None:
    """Drop from `now` every stage of a progression other than the one a review placed the
    client at (the audit's Stage facts say which replaced which). A stage a precaution
    left out is not in `now`, so it replaces nothing: the first visit's choice, checked by
    the same safety rules, stands."""
    stages = [f for f in run.of(FactKind.STAGE) if f.fields["exercise"] in now]
    staged = {f.fields["exercise"] for f in stages}
    if not staged:
        return
    chain = progressions(kb)
    placed = {chain[e] for e in staged if e in chain}  # the progressions a review placed
    for ex_id in list(now):
        if ex_id not in staged and chain.get(ex_id) in placed:
            del now[ex_id]
    # A step back may land in another progression (the weighted hinge's easier version is
    # the bodyweight hinge): the exercise stepped back from goes too.
    for f in stages:
        left = f.fields["from"]
        if left != f.fields["exercise"] and left in now and left not in staged:
            del now[left]


def _score(key: str, measure: Measure, intake: Intake) -> float | None:
    if measure.entered:
        return (intake.outcomes or {}).get(key)
    value = intake.answers.get(measure.answer or "")
    if isinstance(value, list):  # the PSFS: the mean of the activities' scores
        scores = [row["score"] for row in value
                  if isinstance(row, dict) and isinstance(row.get("score"), int)]
        return round(sum(scores) / len(scores), 1) if scores else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def visit_point(kb: KnowledgeBase, intake: Intake, on: dt.date) -> VisitPoint:
    """What the progress page draws of one visit."""
    scores = {k: _score(k, m, intake) for k, m in kb.outcomes.measures.items()}
    measures = {test: {side: float(v) for side in ("left", "right", "value")
                       if isinstance(v := getattr(m, side), int | float) and not isinstance(v, bool)}
                for test, m in intake.measured().items()}
    return VisitPoint(on=on, pain=scores.get(kb.outcomes.stage.pain), psfs=scores.get("psfs"),
                      entered={k: v for k, m in kb.outcomes.entered().items()
                               if (v := scores.get(k)) is not None},
                      measures={t: s for t, s in measures.items() if s})


def review_of(kb: KnowledgeBase, run: RunResult, plan: Plan, intake: Intake, on: dt.date,
              history: Sequence[Assessment]) -> Review:
    """This visit against the last of `history` (oldest first), and the series over all."""
    last = history[-1]
    weeks = round((on - last.assessed_on).days / 7, 1)
    outcomes = []
    for key, m in kb.outcomes.measures.items():
        before, after = _score(key, m, last.intake), _score(key, m, intake)
        if before is not None and after is not None:
            outcomes.append(OutcomeChange(measure=key, title=m.title, before=before, after=after,
                                          mcid=m.mcid, trend=m.trend(before, after), source=m.source))
    pain_key, pain = kb.outcomes.pain()
    rise = next((o.after - o.before for o in outcomes if o.measure == pain_key), 0.0)
    names = {e.id: e.name for e in kb.exercises.values()}
    given = set(plan.exercise_ids())
    # An exercise this visit's screen leaves out is named to the client only where they are
    # told what not to do, never as the stage they came from.
    excluded = {f.fields["exercise"] for f in run.of(FactKind.EXCLUDE)}
    stages: dict[tuple[str, str], StageChange] = {}
    for f in run.of(FactKind.STAGE):
        now, was = f.fields["exercise"], f.fields["from"]
        if now not in given or (was, now) in stages:
            continue
        words = kb.outcomes.stage.words[f.fields["because"]].format(
            retest=kb.exercises[was].retest or "", weeks=f"{weeks:g}",
            min_weeks=kb.outcomes.stage.weeks_at_least, rise=f"{rise:g}", mcid=f"{pain.mcid:g}")
        shown = now if was in excluded else was
        stages[(was, now)] = StageChange(was=names[shown], now=names[now], because=words, rule=f.by[0])
    moved_from = {was for was, _ in stages}
    moved_to = {now for _, now in stages}
    before_ids = last.plan.exercise_ids()
    added = tuple(names[e] for e in plan.exercise_ids() if e not in before_ids and e not in moved_to)
    removed = tuple(names.get(e, e) for e in before_ids if e not in given and e not in moved_from)
    visits = (*(visit_point(kb, a.intake, a.assessed_on) for a in history), visit_point(kb, intake, on))
    return Review(previous_on=last.assessed_on, weeks=weeks, outcomes=tuple(outcomes),
                  stages=tuple(stages.values()), added=added, removed=removed, visits=visits)
