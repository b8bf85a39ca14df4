"""Plan assembly from a run, whatever the rules concluded: a referral empties the plan, an
exclusion removes an exercise from everything a client reads, sides merge as printed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from conftest import load_example

from assess.definitions.intake import validate_intake
from assess.definitions.knowledge import load_knowledge
from assess.domain.assessment import Intake
from assess.domain.results import FactKind, FactRecord, RunResult
from assess.inference.engine import default_engine
from assess.inference.facts import equipment_facts, intake_facts
from assess.reasoning.assemble import assemble, side_words
from assess.reasoning.compose import merge_sides

KB = load_knowledge()
DAY = dt.date(2026, 11, 20)
PRECAUTION = next(pid for pid, p in KB.precautions.items() if p.excludes)
TAG = KB.precautions[PRECAUTION].excludes[0]


def _run(name: str) -> tuple[RunResult, list[str]]:
    doc = load_example(name)
    intake = Intake.model_validate(validate_intake(doc).model_dump(mode="json", exclude_unset=True))
    equipment = [e for e in intake.answers.get("equipment", []) if e != "none"]
    engine = default_engine()
    return engine.run(intake_facts(intake) + equipment_facts(engine.kb, equipment)), equipment


def _with(run: RunResult, kind: FactKind, fields: dict[str, Any]) -> RunResult:
    extra = FactRecord(index=len(run.facts) + 1000, kind=kind, fields=fields, by=("TEST",))
    return dataclasses.replace(run, facts=[*run.facts, extra])


def _client_reads(plan: Any) -> set[str]:
    """Every exercise id a client reads: the session, next steps, easier versions."""
    ids = set(plan.exercise_ids())
    for block in plan.blocks:
        for ex in block.exercises:
            if ex.next_step is not None:
                ids.add(ex.next_step.id)
            if ex.regression_id:
                ids.add(ex.regression_id)
    return ids


def test_the_example_run_gives_a_plan() -> None:
    run, equipment = _run("deadlift_lockout")
    plan = assemble(KB, run, equipment=equipment, assessed_on=DAY, pain_now=3)
    assert not plan.referral and plan.blocks and plan.review_date is not None


def test_a_referral_empties_the_plan_whatever_was_prescribed() -> None:
    run, equipment = _run("deadlift_lockout")
    assert run.of(FactKind.PRESCRIBE)
    run = _with(run, FactKind.REFERRAL, {"reason": "cauda_equina", "urgency": "emergency",
                                         "reported": "pain, numbness or weakness in both legs"})
    plan = assemble(KB, run, equipment=equipment, assessed_on=DAY, pain_now=3)
    assert plan.referral and plan.referral_detail is not None
    assert plan.blocks == () and plan.deferred == () and plan.advice == ()
    assert plan.referral_detail.urgency == "emergency" and plan.review_date is None


@pytest.mark.parametrize("index", range(6))
def test_an_excluded_exercise_reaches_nothing_the_client_reads(index: int) -> None:
    run, equipment = _run("deadlift_lockout")
    prescribed = sorted({f.fields["exercise"] for f in run.of(FactKind.PRESCRIBE)})
    target = prescribed[index % len(prescribed)]
    run = _with(run, FactKind.EXCLUDE, {"exercise": target, "kind": "safety",
                                        "precaution": PRECAUTION, "tag": TAG})
    plan = assemble(KB, run, equipment=equipment, assessed_on=DAY, pain_now=3)
    assert target not in _client_reads(plan)


def test_the_pain_rule_is_relative_to_the_clients_own_pain() -> None:
    run, equipment = _run("deadlift_lockout")
    rule = KB.plan.pain_monitoring
    plan = assemble(KB, run, equipment=equipment, assessed_on=DAY, pain_now=3)
    assert str(rule.limit(3)) in plan.stop_if[0]
    assert assemble(KB, run, equipment=equipment, assessed_on=DAY).stop_if[0] != plan.stop_if[0]


@pytest.mark.parametrize(("sides", "merged", "words"), [
    ({"left"}, "left", "left side"), ({"right"}, "right", "right side"),
    ({"left", "right"}, "both", "both sides"), ({"both", "left"}, "both", "both sides"),
    ({"none"}, "none", ""), (set(), "none", ""),
])
def test_sides_merge_as_printed(sides: set[str], merged: str, words: str) -> None:
    assert merge_sides(sides) == merged and side_words(merge_sides(sides)) == words
