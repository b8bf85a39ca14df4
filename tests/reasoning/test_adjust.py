"""A clinician's adjustments keep every client safe, over random intakes and random decisions:
a referral takes no exercise; an exercise a precaution excludes reaches the plan only by an
explicit override of exactly those precautions, with a reason; nothing the client reads (a
card, a next step, a "too hard?" exercise) is one that is excluded and not overridden, or one
the clinician removed; a sign-off is only for a plan that needs one, and once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import NOW
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import intakes

from assess.definitions.knowledge import load_knowledge
from assess.domain.assessment import Assessment
from assess.domain.decisions import Decision, DecisionKind
from assess.domain.errors import InvalidInput
from assess.reasoning.adjust import apply_decision, excluding
from assess.services.decide import reapplied
from assess.services.pipeline import assess_intake

KB = load_knowledge()
EXERCISES = sorted(KB.exercises)
AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@st.composite
def decisions(draw: st.DrawFn, precautions: list[str]) -> Decision:
    kinds: list[DecisionKind] = ["remove", "add", "dose", "sign_off"]
    kind = draw(st.sampled_from(kinds))
    overrides = draw(st.one_of(st.just(()), st.lists(st.sampled_from(precautions), unique=True).map(tuple)))\
        if precautions else ()
    return Decision(kind=kind, by="A. Physio", at=AT, reason=draw(st.sampled_from(["because", " "])),
                    exercise=draw(st.sampled_from(EXERCISES)), dose=draw(st.sampled_from([None, "2 x 8"])),
                    overrides=overrides)


def _read_by_client(a: Assessment) -> set[str]:
    out = set()
    for b in a.plan.blocks:
        for e in b.exercises:
            out.add(e.id)
            if e.next_step:
                out.add(e.next_step.id)
            if e.regression_id:
                out.add(e.regression_id)
    return out


@settings(max_examples=120, deadline=None)
@given(intakes(), st.data())
def test_no_adjustment_makes_a_plan_unsafe(doc: dict[str, Any], data: st.DataObject) -> None:
    a = assess_intake(doc, now=NOW)
    precautions = [p.id for p in a.precautions]
    made: list[Decision] = []
    for _ in range(data.draw(st.integers(1, 4))):
        d = data.draw(decisions(precautions))
        try:
            after = apply_decision(KB, a, d)
        except InvalidInput:
            continue
        assert d.reason.strip(), "a decision without a reason was made"
        assert not a.plan.referral or d.kind == "sign_off", "a referral took an exercise"
        assert after.plan.referral == a.plan.referral
        a = after
        made.append(after.decisions[-1])
    overridden = {p for d in made if d.kind == "add" for p in d.overrides}
    for ex in _read_by_client(a):
        assert set(excluding(KB, a, ex)) <= overridden, f"{ex} is excluded and reaches the client"
    for d in made:
        if d.kind == "remove" and not any(x.kind == "add" and x.exercise == d.exercise
                                          for x in made[made.index(d) + 1:]):
            assert d.exercise not in _read_by_client(a), f"removed {d.exercise} still reaches the client"
        if d.kind == "sign_off":
            assert a.plan.clinician_review.required
    assert sum(d.kind == "sign_off" for d in made) <= 1


def test_an_excluded_exercise_needs_exactly_its_precautions_overridden() -> None:
    a = assess_intake({**_example("hinge_after_injury")}, now=NOW)
    d = Decision(kind="add", by="A. Physio", at=AT, reason="cleared by his surgeon",
                 exercise="jefferson_curl")
    with pytest.raises(InvalidInput, match="only by overriding"):
        apply_decision(KB, a, d)
    # Two precautions rule it out (a recent injury; bending still brings the pain on): one is not enough.
    with pytest.raises(InvalidInput, match="only by overriding"):
        apply_decision(KB, a, d.model_copy(update={"overrides": ("back_injury_recent",)}))
    both = ("back_injury_recent", "flexion_sensitive_back")
    done = apply_decision(KB, a, d.model_copy(update={"overrides": both}))
    assert "jefferson_curl" in done.plan.exercise_ids()
    with pytest.raises(InvalidInput, match="nothing to override"):
        apply_decision(KB, a, d.model_copy(update={"exercise": "hip_ir_ext_pails_rails",
                                                    "overrides": ("back_injury_recent",)}))


def test_a_red_flag_plan_takes_no_exercise_from_anyone() -> None:
    a = assess_intake(_example("red_flag"), now=NOW)
    assert a.plan.referral
    for kind in ("add", "dose", "remove"):
        with pytest.raises(InvalidInput, match="red flag means no exercise"):
            apply_decision(KB, a, Decision(kind=kind, by="A", at=AT, reason="r", exercise=EXERCISES[0],
                                           dose="1"))


def test_a_correction_keeps_the_adjustments_that_still_apply() -> None:
    a = assess_intake(_example("hinge_after_injury"), now=NOW)
    first = a.plan.exercise_ids()[0]
    kept = apply_decision(KB, a, Decision(kind="remove", by="A", at=AT, reason="r", exercise=first))
    again, dropped = reapplied(assess_intake(_example("hinge_after_injury"), now=NOW), kept.decisions)
    assert first not in again.plan.exercise_ids() and not dropped
    gone = a.model_copy(update={"plan": kept.plan})  # the rules no longer give it: the dose cannot be set
    dose = Decision(kind="dose", by="A", at=AT, reason="r", exercise=first, dose="1")
    _, dropped = reapplied(gone, (dose,))
    assert [d.exercise for d in dropped] == [first]


def _example(name: str) -> dict[str, Any]:
    import yaml
    from conftest import ROOT

    doc: dict[str, Any] = yaml.safe_load((ROOT / "examples" / f"{name}.yaml").read_text())
    return doc
