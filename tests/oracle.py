"""An independent reading of the precaution screens, straight from the raw answers.

The rules in rules/ decide through the engine; this module decides the same questions in
plain Python so that the property tests compare two implementations. Thresholds come from
rules/norms.yaml (the numbers are data); the logic of each screen is written out here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assess.definitions.knowledge import load_knowledge
from assess.definitions.questionnaire import battery

KB = load_knowledge()
KB_BATTERY = battery()
NORMS = KB.norms

RED_FLAGS = (
    "rf_bladder_bowel", "rf_saddle_numbness", "rf_sexual_dysfunction", "rf_both_legs",
    "rf_progressive_weakness", "rf_gait", "rf_cancer_history", "rf_weight_loss", "rf_night_pain",
    "rf_no_improvement", "rf_fever", "rf_immunosuppression", "rf_iv_drug_use",
    "rf_recent_infection", "rf_major_trauma")

POSTERIOR = {"hip_flexion_deep", "hip_ir_end_range", "hip_adduction_midline", "joint_distraction",
             "hanging", "barbell", "impact"}
ANTERIOR = {"hip_extension_end_range", "hip_er_end_range", "joint_distraction", "hanging", "barbell",
            "impact"}
# Inside a hip replacement's window nothing is done on the floor, at end range or loaded, by
# either approach (the surgical team's protocol comes first).
WINDOW = {"floor", "loaded", "hip_flexion_deep", "hip_ir_end_range", "hip_extension_end_range",
          "hip_er_end_range"}
BONE = {"loaded_spinal_flexion", "spinal_flexion_repeated", "spinal_flexion_end_range"}
CAUDA_EQUINA = ("rf_bladder_bowel", "rf_saddle_numbness", "rf_sexual_dysfunction", "rf_both_legs",
                "rf_progressive_weakness", "rf_gait")
NOT_SURE = "not_sure"


def _yes_or_unsure(value: object) -> bool:
    return value is True or value == NOT_SURE


def tha_weeks(answers: dict[str, Any], on: dt.date) -> float | None:
    """Weeks since the hip operation at the visit, never fewer than it could be: a month from
    its last day, whole months (1.1.0) as one fewer."""
    given = answers.get("hip_replacement_date")
    if isinstance(given, str):
        parts = [int(p) for p in given.split("-")]
        if len(parts) == 2:
            year, month = parts
            day = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        else:
            day = dt.date(*parts)
        return max(0, (on - day).days) / 7
    months = answers.get("hip_replacement_months")
    return None if months is None else max(0, months - 1) * 52.1775 / 12


def visit_date(doc: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(str(doc["date"])) if doc.get("date") else dt.date.today()


def red_flag(answers: dict[str, Any], on: dt.date | None = None) -> bool:
    if any(answers.get(i) is True for i in RED_FLAGS):
        return True
    age = answers["age"]
    fragile = any(answers.get(i) is True for i in ("rf_osteoporosis", "rf_steroids", "fragility_fracture"))
    if answers.get("rf_minor_trauma") is True and (fragile or age >= NORMS["older_adult"].limit):
        return True
    trauma = answers.get("rf_minor_trauma") is True or answers.get("rf_major_trauma") is True
    onset = answers.get("pain_onset_weeks")
    new_back = "low_back" in (answers.get("pain_locations") or []) and onset is not None \
        and onset <= NORMS["new_back_pain"].limit
    if new_back and not trauma and (fragile or age >= NORMS["older_adult"].limit):
        return True
    if answers.get("hip_replacement") not in (None, "none") \
            and answers.get("walking_now") in ("only_a_few_steps", "cannot_walk"):
        weeks = tha_weeks(answers, on or dt.date.today())
        if weeks is None or weeks <= NORMS["tha_early_weeks"].limit:
            return True
    if [c for c in answers.get("pregnancy_contraindications") or [] if c != "none"]:
        return True
    return bool(answers.get("first_episode")) and (
        age >= NORMS["cancer_age_over"].limit or age < NORMS["cancer_age_under"].limit)


def withheld_expected(doc: dict[str, Any]) -> list[str]:
    """Why no plan may be made by rule (the clinician writes it)."""
    a = doc["answers"]
    why = [i for i in CAUDA_EQUINA if a.get(i) == NOT_SURE]
    why += [i for i in ("hip_restrictions_in_force", "hip_dislocated_or_revised") if _yes_or_unsure(a.get(i))]
    return why


def _measured(doc: dict[str, Any], test: str) -> dict[str, Any]:
    return (doc.get("measurements") or {}).get(test) or {}


def forbidden_tags(doc: dict[str, Any]) -> dict[str, set[str]]:
    """Screen name -> the tags no exercise a client reads may carry."""
    a = doc["answers"]
    out: dict[str, set[str]] = {}
    age = a["age"]

    # 1. Hip replacement: within the approach's window, or when the date or approach is unknown.
    if a.get("hip_replacement") not in (None, "none"):
        approach = a.get("hip_replacement_approach")
        weeks = tha_weeks(a, visit_date(doc))
        tags: set[str] = {"joint_distraction"}  # never traction on a prosthesis
        if approach in (None, "unknown"):
            tags |= POSTERIOR
        cleared = a.get("hip_cleared_for_exercise")
        not_cleared = cleared is False or cleared == NOT_SURE

        def within(norm: str) -> bool:
            return weeks is None or weeks <= NORMS[norm].limit

        if not_cleared and approach in ("posterior", "lateral", "resurfacing", "unknown"):
            tags |= POSTERIOR
        if not_cleared and approach in ("anterior", "lateral"):
            tags |= ANTERIOR

        if approach in ("posterior", "lateral") and within("tha_posterior_window"):
            tags |= POSTERIOR | WINDOW
        if approach == "resurfacing" and within("resurfacing_window"):
            tags |= POSTERIOR | WINDOW
        if approach == "resurfacing" and within("resurfacing_impact_window"):
            tags |= {"impact"}
        if approach in ("anterior", "lateral") and within("tha_anterior_window"):
            tags |= ANTERIOR | WINDOW
        out["hip_replacement"] = tags

    # 2. Bone fragility, with or without trauma.
    if _yes_or_unsure(a.get("rf_osteoporosis")) or _yes_or_unsure(a.get("rf_steroids")) \
            or a.get("fragility_fracture") or age >= NORMS["older_adult"].limit:
        out["bone"] = set(BONE)
    if a.get("fragility_fracture"):
        out["bone"] |= {"hanging", "impact"}

    # 3. Pregnancy and after birth.
    if a.get("pregnancy_status") == "pregnant":
        weeks = a.get("pregnancy_weeks")
        tags = {"loaded_spinal_flexion", "spinal_flexion_repeated", "valsalva", "barbell", "hanging"}
        if weeks is None or weeks >= NORMS["pregnancy_prone"].limit:
            tags.add("prone")
        if weeks is None or weeks >= NORMS["pregnancy_supine"].limit:
            tags.add("supine")
        if _yes_or_unsure(a.get("pregnancy_supine_symptoms")):
            tags.add("supine")
        out["pregnancy"] = tags
    if a.get("pregnancy_status") == "postpartum":
        weeks = a.get("postpartum_weeks")
        if weeks is None or weeks < NORMS["postpartum_early"].limit:
            out["postpartum"] = {"impact", "barbell", "valsalva", "hanging", "loaded_spinal_flexion",
                                 "loaded", "spinal_flexion_repeated", "trunk_load_high"}
        if [s for s in a.get("postpartum_symptoms") or [] if s != "none"]:
            out.setdefault("postpartum", set()).update({"impact", "valsalva", "spinal_flexion_repeated",
                                                         "trunk_load_high"})

    # 4. Nerve root.
    slr = _measured(doc, "slr_reproduces_leg_pain")
    if "below_knee" in (a.get("pain_locations") or []) or a.get("leg_numbness_tingling") \
            or True in (slr.get("left"), slr.get("right")):
        out["nerve_root"] = {"neural_tension", "loaded_spinal_flexion"}
    if neuro_exam_needed(doc) or neuro_deficit(doc):
        out.setdefault("nerve_root", set()).add("loaded")
    if neuro_deficit(doc):
        out["nerve_root"].add("neural_tension")

    # 5. Under 20 with pain on extension.
    if age < NORMS["adolescent"].limit and "leaning_back" in (a.get("provokers") or []):
        out["pars"] = {"spinal_extension_loaded", "barbell"}

    # 7. Hip joint.
    fadir, faber = _measured(doc, "fadir_pain"), _measured(doc, "faber_pain")
    ir = _measured(doc, "hip_ir_seated")
    # A side taken only to a precaution's limit is not its range: never read as limited.
    low_ir = any(ir.get(side) is not None and ir[side] < NORMS["hip_ir_seated_low"].limit
                 and side not in (ir.get("stopped_at_limit") or ()) for side in ("left", "right"))
    groin = "front_of_hip" in (a.get("pain_locations") or [])
    if True in (fadir.get("left"), fadir.get("right"), faber.get("left"), faber.get("right")) \
            or (low_ir and groin):
        out["hip_joint"] = {"hip_flexion_deep", "hip_ir_end_range", "hip_adduction_midline"}
    if True in (faber.get("left"), faber.get("right")):
        out["hip_joint"] |= {"hip_er_end_range"}

    # 8. Back injury in the last 12 months, or surgery.
    if a.get("back_injury_when") in ("under_3_months", "3_to_12_months") or a.get("back_surgery"):
        out["back_injury"] = {"loaded_spinal_flexion"}
    if a.get("back_injury") is True and {"bending", "lifting_floor"} & set(a.get("provokers") or []):
        out["back_injury"] = {"loaded_spinal_flexion"}

    # 9. Older adults, falls, walking aids - whatever the training history.
    if age >= NORMS["older_adult"].limit:
        out["older_adult"] = {"hanging", "barbell", "loaded_spinal_flexion"}
    if (a.get("falls_last_year") or 0) >= NORMS["falls_any"].limit or a.get("walking_aid"):
        out["falls"] = {"hanging", "barbell", "loaded_spinal_flexion", "impact"}

    # Pain: severe now, or very recent.
    onset = a.get("pain_onset_weeks")
    recent = onset is not None and onset < NORMS["very_recent_onset"].limit
    if a["pain_now"] >= NORMS["severe_pain"].limit or recent:
        out["pain"] = {"loaded", "hanging"}
    return out


NEURO = [t.id for t in KB_BATTERY.tests if t.group == "neurological"]


def neuro_deficit(doc: dict[str, Any]) -> bool:
    return any(_measured(doc, t).get(s) in ("reduced", "absent") for t in NEURO for s in ("left", "right"))


def neuro_exam_needed(doc: dict[str, Any]) -> bool:
    a = doc["answers"]
    slr = _measured(doc, "slr_reproduces_leg_pain")
    examined = any(_measured(doc, t).get(s) is not None for t in NEURO for s in ("left", "right"))
    return (a.get("leg_numbness_tingling") is True or a.get("leg_weakness") is True) \
        and True in (slr.get("left"), slr.get("right")) and not examined


def sign_off_expected(doc: dict[str, Any]) -> list[str]:
    """Screens after which the plan must carry a clinician's review."""
    a = doc["answers"]
    why = [f"not sure: {i}" for i, v in a.items() if i.startswith("rf_") and v == NOT_SURE]
    why += withheld_expected(doc)
    if neuro_exam_needed(doc) or neuro_deficit(doc):
        why.append("neurological")
    if [s for s in a.get("postpartum_symptoms") or [] if s != "none"]:
        why.append("pelvic floor")
    if a.get("hip_replacement") not in (None, "none"):
        why.append("hip replacement")
    if a.get("pregnancy_status") in ("pregnant", "postpartum"):
        why.append("pregnancy or birth")
    if a.get("fragility_fracture"):
        why.append("fragility fracture")
    if a.get("leg_weakness"):
        why.append("leg weakness")
    if a["age"] < NORMS["adolescent"].limit and "leaning_back" in (a.get("provokers") or []):
        why.append("pars")
    if a.get("back_surgery"):
        why.append("back surgery")
    if (a.get("falls_last_year") or 0) >= NORMS["falls_repeated"].limit:
        why.append("falls")
    if a.get("hip_problems") or a.get("other_conditions"):
        why.append("history in free text")
    return why


def unscreened(doc: dict[str, Any]) -> list[str]:
    """Screen answers an intake left out (a file from before the screens existed)."""
    a = doc["answers"]
    screens = ("hip_replacement", "fragility_fracture", "leg_numbness_tingling", "leg_weakness",
               "falls_last_year", "walking_aid")
    missing = [i for i in screens if i not in a]
    if "pregnancy_status" not in a and a.get("sex") != "male":
        missing.append("pregnancy_status")
    return missing
