"""Intake -> facts: what the rules get to see of answers, measurements and the catalogue."""

from __future__ import annotations

from typing import Any

from conftest import load_example

from assess.definitions.intake import validate_intake
from assess.definitions.knowledge import load_knowledge
from assess.domain.assessment import Intake
from assess.domain.results import FactKind
from assess.inference.facts import catalogue_facts, equipment_facts, intake_facts

KB = load_knowledge()


def _facts(doc: dict[str, Any]) -> list[tuple[FactKind, dict[str, Any]]]:
    read = validate_intake(doc).model_dump(mode="json", exclude_unset=True)
    return intake_facts(Intake.model_validate(read))


def _of(facts: list[tuple[FactKind, dict[str, Any]]], kind: FactKind) -> list[dict[str, Any]]:
    return [fields for k, fields in facts if k == kind]


def test_a_side_not_tested_gives_no_fact_and_each_side_keeps_its_method() -> None:
    doc = load_example("nothing_wrong")
    doc["measurements"] = {"hip_extension": {"left": None, "right": -4, "method": "prone"},
                           "thomas_thigh_angle": {"left": 8, "right": None}}
    measures = _of(_facts(doc), FactKind.MEASURE)
    assert {"test": "hip_extension", "side": "right", "value": -4.0, "method": "prone"} in measures
    assert [m["side"] for m in measures if m["test"] == "hip_extension"] == ["right"]
    assert [m["side"] for m in measures if m["test"] == "thomas_thigh_angle"] == ["left"]


def test_a_test_with_several_methods_and_none_named_is_unrecorded() -> None:
    doc = load_example("nothing_wrong")
    doc["measurements"] = {"hip_extension": {"left": 10, "right": 10}}
    methods = {m["method"] for m in _of(_facts(doc), FactKind.MEASURE)}
    assert methods == {"unrecorded"}


def test_a_single_value_test_is_one_single_sided_fact() -> None:
    doc = load_example("nothing_wrong")
    doc["measurements"] = {"pelvic_tilt": {"value": 13}}
    assert _of(_facts(doc), FactKind.MEASURE) == [
        {"test": "pelvic_tilt", "side": "single", "value": 13.0, "method": "standard"}]


def test_a_multiple_choice_is_one_fact_per_option_and_the_psfs_is_for_people() -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"]["provokers"] = ["bending", "sitting_long"]
    doc["answers"]["psfs"] = [{"activity": "deadlift", "score": 4}]
    facts = _facts(doc)
    answers = _of(facts, FactKind.ANSWER)
    assert [a["value"] for a in answers if a["item"] == "provokers"] == ["bending", "sitting_long"]
    assert not [a for a in answers if a["item"] == "psfs"]
    goals = [d["value"] for d in _of(facts, FactKind.DERIVED) if d["name"] == "goals"]
    assert goals and "deadlift" in goals[0]


def test_age_at_onset_is_derived_from_age_and_weeks_of_pain() -> None:
    doc = load_example("deadlift_lockout")
    doc["answers"].update(age=40, pain_onset_weeks=52)
    derived = {d["name"]: d["value"] for d in _of(_facts(doc), FactKind.DERIVED)}
    assert derived["age_at_onset"] == 39.0


def test_equipment_the_client_lacks_makes_exercises_unavailable() -> None:
    needing = {ex.id for ex in KB.exercises.values() if ex.equipment}
    none = {f["exercise"] for k, f in equipment_facts(KB, []) if k == FactKind.UNAVAILABLE}
    assert none == needing
    everything = sorted({e for ex in KB.exercises.values() for e in ex.equipment})
    assert not equipment_facts(KB, everything)


def test_every_precaution_says_what_it_restricts() -> None:
    restricts = {(f["precaution"], f["tag"]) for k, f in catalogue_facts(KB)
                 if k == FactKind.RESTRICTS}
    assert restricts == {(pid, t) for pid, p in KB.precautions.items() for t in p.excludes}


def test_the_derived_values_the_checks_know_are_those_the_facts_make() -> None:
    from assess.definitions.knowledge_checks import DERIVED_NAMES
    from assess.inference.facts import DATED, DERIVED, MEASURED

    review_only = {"pain_trend", "stage_time_done"}  # facts.review_facts, at a review
    assert set(DERIVED) | set(DATED) | set(MEASURED) | review_only == DERIVED_NAMES


def test_a_side_stopped_at_a_limit_is_no_measurement_and_both_sides_are_one_fact() -> None:
    doc = load_example("squat_bottom_flexion")
    doc["measurements"]["hip_flexion"] = {"left": 90, "right": 90, "method": "pelvis_stabilised",
                                          "stopped_at_limit": ["left", "right"]}
    facts = _facts(doc)
    assert not [m for m in _of(facts, FactKind.MEASURE) if m["test"] == "hip_flexion"]
    stopped = [d for d in _of(facts, FactKind.DERIVED) if d["name"] == "stopped_at_limit"]
    assert stopped == [{"name": "stopped_at_limit", "value": "hip_flexion"}]


def test_a_month_counts_from_its_last_day_and_whole_months_one_short() -> None:
    import datetime as dt

    from assess.inference.facts import weeks_since_hip_replacement

    visit = dt.date(2026, 11, 20)
    assert weeks_since_hip_replacement({"hip_replacement_date": "2026-08-28"}, visit) == 12.0
    # A month alone counts from its last day, 31 August.
    assert weeks_since_hip_replacement({"hip_replacement_date": "2026-08"}, visit) == round(81 / 7, 1)
    assert weeks_since_hip_replacement({"hip_replacement_months": 3}, visit) == round(2 * 52.1775 / 12, 1)
    assert weeks_since_hip_replacement({"hip_replacement_months": 0}, visit) == 0
    assert weeks_since_hip_replacement({}, visit) is None
