"""The questionnaire and battery definitions: loadable, consistent, complete."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assess.definitions.knowledge import load_knowledge
from assess.definitions.questionnaire import Battery, Questionnaire, battery, questionnaire

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "questionnaires").glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_questionnaire_file_validates(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    model = Battery if "tests" in data else Questionnaire
    loaded = model.model_validate(data)
    assert loaded.id and loaded.version


def test_intake_covers_the_screens_clinicians_expect() -> None:
    ids = set(questionnaire().by_id())
    for needed in ("name", "age", "pain_now", "pain_worst", "pain_locations", "provokers",
                   "back_injury", "goal_text", "psfs", "training_experience", "equipment"):
        assert needed in ids
    assert len([i for i in ids if i.startswith("rf_")]) >= 15
    assert len([i for i in ids if i.startswith("yf_")]) >= 3
    provokers = questionnaire().by_id()["provokers"].answerOption or ()
    assert {"deadlift_top", "squat_bottom", "running", "sitting_long", "bending"} <= set(provokers)


def test_every_test_names_norms_that_exist() -> None:
    norms = load_knowledge().norms
    for test in battery().tests:
        for name in test.norms:
            assert name in norms, f"{test.id} names unknown norm {name}"
        if test.type == "decimal":
            assert test.unit and test.min is not None and test.max is not None


def test_battery_has_the_tests_of_the_protocol() -> None:
    ids = set(battery().by_id())
    assert {"hip_extension", "thomas_thigh_angle", "thomas_knee_angle", "thomas_thigh_abducted",
            "thomas_pelvis_controlled", "hip_ir_prone", "hip_er_prone", "hip_ir_seated",
            "hip_er_seated", "hip_flexion", "straight_leg_raise", "pelvic_tilt", "rib_flare",
            "low_back_flat_crunch", "hinge_dowel_contact", "hinge_quad_dominant",
            "knee_to_chest_hold"} <= ids


def test_an_item_not_enabled_is_not_required() -> None:
    when = questionnaire().by_id()["back_injury_when"]
    assert when.required and not when.enabled({"back_injury": False})
    assert when.enabled({"back_injury": True})
