"""Rule-change impact: every stored assessment (or a filter) re-run on a candidate rule set,
and how each plan would change - exercises added or removed, referrals gained or lost - with
the rules responsible. Streams from the store, assesses in worker processes, renders no PDF
and writes nothing to the store."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from assess.domain.assessment import Assessment, Client
from assess.domain.decisions import Decision
from assess.domain.plan import Plan

# A fixed clock for re-runs: the plan is compared, not when it was made.
_NOW = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Change:
    """How one stored assessment's plan would change under the candidate rules."""

    assessment: str
    client: str
    visit: str
    referral_lost: bool = False
    referral_gained: bool = False
    added: dict[str, list[str]] = field(default_factory=dict)  # exercise -> rules now prescribing it
    removed: dict[str, list[str]] = field(default_factory=dict)  # exercise -> rules that had / now exclude
    referral_rules: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.referral_lost or self.referral_gained or self.added or self.removed or self.error)


class StoredPlan(BaseModel):
    """What impact reads of a stored assessment: whose, of when, its plan, and whether it was a
    review. Reading only these (the audit and intake are most of the JSON) keeps the re-run's
    cost the rules', not the parser's."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    client: Client
    assessed_on: dt.date
    plan: Plan
    review: dict[str, Any] | None = None
    decisions: tuple[Decision, ...] = ()

    @property
    def adjustments(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.kind != "sign_off")


def _exercise_rules(a: Assessment | StoredPlan) -> dict[str, list[str]]:
    return {e.id: list(e.rules) for b in a.plan.blocks for e in b.exercises}


def _referral_rules(a: Assessment | StoredPlan) -> list[str]:
    detail = a.plan.referral_detail
    return sorted({r.rule for r in detail.reasons}) if detail else []


def compare(aid: str, old: Assessment | StoredPlan, new: Assessment) -> Change:
    """The difference between a stored plan and the candidate rules' plan for the same intake."""
    before, after = _exercise_rules(old), _exercise_rules(new)
    why_not = {w.exercise: list(w.rules) for w in new.audit.why_not}
    removed = {e: sorted(set(rules) | set(why_not.get(e, [])))
               for e, rules in before.items() if e not in after}
    added = {e: rules for e, rules in after.items() if e not in before}
    lost, gained = old.plan.referral and not new.plan.referral, new.plan.referral and not old.plan.referral
    rules = _referral_rules(old) if lost else _referral_rules(new) if gained else []
    return Change(aid, old.client.name, str(old.assessed_on), referral_lost=lost, referral_gained=gained,
                  added=added, removed=removed, referral_rules=rules)


# The earlier visits' assessment JSON for a stored assessment id (a review is assessed again
# against the visits it was assessed against); given by the store, which sits above this layer.
EarlierOf = Callable[[str], list[str]]

_engine: Any = None
_earlier: EarlierOf | None = None


def _init(rules: str, earlier: EarlierOf | None = None) -> None:
    global _engine, _earlier
    from assess.definitions.knowledge import load_knowledge
    from assess.inference.engine import build_engine

    _engine, _earlier = build_engine(load_knowledge(Path(rules))), earlier


def _one(item: tuple[str, str, str]) -> Change:
    from assess.services.decide import reapplied
    from assess.services.pipeline import assess_intake

    aid, intake_json, assessment_json = item
    old = StoredPlan.model_validate_json(assessment_json)
    history = [Assessment.model_validate_json(d) for d in _earlier(aid)] \
        if old.review is not None and _earlier else []
    try:
        new = assess_intake(json.loads(intake_json), source=f"assessment {aid}", now=_NOW, engine=_engine,
                            history=history)
    except Exception as exc:  # an intake the candidate rules cannot read is itself an impact
        return Change(aid, old.client.name, str(old.assessed_on), error=f"{type(exc).__name__}: {exc}")
    if old.adjustments:  # the plan the client has is the clinician's: compare like with like
        new, _ = reapplied(new, old.adjustments, _engine.kb)
    return compare(aid, old, new)


def run_impact(items: Iterable[tuple[str, str, str]], rules: Path, *, jobs: int = 1,
               on_done: Callable[[Change], None] | None = None,
               earlier: EarlierOf | None = None) -> Iterator[Change]:
    """Re-run each (assessment id, intake JSON, assessment JSON) on the rules in `rules`; a
    review against the visits `earlier` gives for it. At most a few items per worker are in
    flight, so memory does not grow with the store."""
    _init(str(rules), earlier)  # a broken candidate rule set fails here, before any worker starts
    for change in (map(_one, items) if jobs <= 1 else _in_workers(items, rules, jobs, earlier)):
        if on_done:
            on_done(change)
        yield change


def _in_workers(items: Iterable[tuple[str, str, str]], rules: Path, jobs: int,
                earlier: EarlierOf | None) -> Iterator[Change]:
    """Results in input order, with at most 4 items per worker in flight."""
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    window: deque[Future[Change]] = deque()
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                             initargs=(str(rules), earlier)) as pool:
        for item in items:
            window.append(pool.submit(_one, item))
            if len(window) >= jobs * 4:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def report(changes: list[Change], total: int, rules: Path) -> dict[str, Any]:
    """The impact as JSON: referrals lost first, then gained, then other changes."""
    def order(c: Change) -> tuple[int, str, str]:
        rank = 0 if c.referral_lost else 1 if c.referral_gained else 2 if c.error else 3
        return (rank, c.visit, c.assessment)

    changed = sorted((c for c in changes if c.changed), key=order)
    return {
        "candidate_rules": str(rules),
        "assessments": total,
        "changed": len(changed),
        "referrals_lost": sum(c.referral_lost for c in changed),
        "referrals_gained": sum(c.referral_gained for c in changed),
        "changes": [asdict(c) for c in changed],
    }
