"""The code systems the FHIR resources use. Standard systems only for codes they really hold
(LOINC, SNOMED CT, UCUM, HL7's own); every other concept (our tests, methods, findings,
exercises, rules) is coded in a system of the project's own under BASE, never in a standard one.

BASE is a name, not a page: it is under `example.org`, which RFC 2606 reserves, so no one else
can ever define codes under it; it changes only with a new major version."""

from __future__ import annotations

from typing import Any

BASE = "https://assess.example.org/fhir"

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"

# SNOMED CT: laterality qualifiers, refined onto a joint with the Laterality attribute
# (272741003) in a post-coordinated expression, as SNOMED's compositional grammar writes them.
LEFT, RIGHT, LATERALITY = "7771000", "24028007", "272741003"
HIP_JOINT, KNEE_JOINT, LOWER_LIMB = "24136001", "49076000", "61685007"
SIDES = {"left": LEFT, "right": RIGHT}
# The one test of the battery whose angle is at the knee (the Thomas test's rectus femoris).
KNEE_TESTS = frozenset({"thomas_knee_angle"})

# Standard codes for the questionnaire's items where one exists (LOINC): the 0-10 numeric
# rating of pain now. The other items have no standard code that means exactly them.
ITEM_CODES = {"pain_now": (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")}

# HL7 request-priority for a referral's urgency (rules/plan.yaml: emergency = today, today = call
# the treating team today, urgent = within 24 hours, soon = within 2 weeks).
PRIORITY = {"emergency": "stat", "today": "asap", "urgent": "urgent", "soon": "routine"}


def body_site(side: str, joint: str = "hip") -> dict[str, Any]:
    """A side of the hip (or knee, or the whole lower limb for the neurological examination) as
    a SNOMED CT body site: the structure refined by laterality."""
    code = {"hip": HIP_JOINT, "knee": KNEE_JOINT, "lower limb": LOWER_LIMB}[joint]
    return {"coding": [coding(SNOMED, f"{code}:{LATERALITY}={SIDES[side]}")], "text": f"{side} {joint}"}


def own(kind: str) -> str:
    """The URL of one of our code systems (kind: rom-test, finding, exercise, ...)."""
    return f"{BASE}/CodeSystem/{kind}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def canonical(definition_id: str, version: str) -> str:
    """A Questionnaire's canonical URL with its version (FHIR's `url|version`)."""
    return f"{BASE}/Questionnaire/{definition_id}|{version}"


def extension(name: str) -> str:
    """The URL of one of our extensions."""
    return f"{BASE}/StructureDefinition/{name}"


EXAM = concept(OBSERVATION_CATEGORY, "exam", "Exam")
SURVEY = concept(OBSERVATION_CATEGORY, "survey", "Survey")
NOT_PERFORMED = concept(DATA_ABSENT, "not-performed", "Not Performed")
