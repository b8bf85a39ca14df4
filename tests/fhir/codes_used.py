"""Every coding in a resource, and the standard codes `assess` may use (each checked against
its system's published meaning when it was added; anything else in a standard system fails)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assess.fhir.codes import BASE

STANDARD = {
    ("http://snomed.info/sct", "24136001:272741003=7771000"): "hip joint structure, laterality left",
    ("http://snomed.info/sct", "24136001:272741003=24028007"): "hip joint structure, laterality right",
    ("http://snomed.info/sct", "49076000:272741003=7771000"): "knee joint structure, laterality left",
    ("http://snomed.info/sct", "49076000:272741003=24028007"): "knee joint structure, laterality right",
    ("http://snomed.info/sct", "61685007:272741003=7771000"): "lower limb structure, laterality left",
    ("http://snomed.info/sct", "61685007:272741003=24028007"): "lower limb structure, laterality right",
    ("http://loinc.org", "72514-3"): "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    ("http://unitsofmeasure.org", "deg"): "degree of plane angle",
    ("http://terminology.hl7.org/CodeSystem/observation-category", "exam"): "Exam",
    ("http://terminology.hl7.org/CodeSystem/observation-category", "survey"): "Survey",
    ("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed"): "Not Performed",
    ("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "assembler"): "Assembler",
    ("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author"): "Author",
    ("http://hl7.org/fhir/questionnaire-item-control", "radio-button"): "Radio Button",
    ("http://hl7.org/fhir/questionnaire-item-control", "check-box"): "Check-box",
    ("http://hl7.org/fhir/questionnaire-item-control", "help"): "Help-Button",
}


def codings(node: Any) -> Iterator[tuple[str, str]]:
    """(system, code) of every Coding (and Quantity with a system) under `node`."""
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
            yield node["system"], node["code"]
        for value in node.values():
            yield from codings(value)
    elif isinstance(node, list):
        for value in node:
            yield from codings(value)


def made_up(resource: dict[str, Any]) -> list[tuple[str, str]]:
    """Codings in a standard system that are not on the list, or in a system that is neither
    standard nor ours."""
    standard_systems = {system for system, _ in STANDARD}
    return [
        (s, c)
        for s, c in codings(resource)
        if (s in standard_systems and (s, c) not in STANDARD)
        or (s not in standard_systems and not s.startswith(BASE + "/"))
    ]
