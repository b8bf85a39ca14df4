"""An intake's measurements (and, at a review, its outcome scores and re-test results) as FHIR
Observations, and back. One Observation per test and side: the side is the body site, a SNOMED
CT joint refined by its laterality; the value in degrees (UCUM `deg`) or true/false; the method
and instrument as recorded. A side recorded as not tested is an Observation with a
data-absent reason, so that it comes back as null."""

from __future__ import annotations

from typing import Any

from assess.definitions.questionnaire import Battery, RomTest
from assess.domain.errors import FieldProblem
from assess.fhir.codes import (
    EXAM,
    KNEE_TESTS,
    NOT_PERFORMED,
    SIDES,
    SURVEY,
    UCUM,
    body_site,
    concept,
    extension,
    own,
)

ROM, OUTCOME, RETEST, RESULT = own("rom-test"), own("outcome"), own("retest"), own("retest-result")
GRADE = own("neurological-grade")  # normal, reduced, absent
# A side taken only to a precaution's limit (the battery's stopped_at_limit).
STOPPED = extension("stopped-at-limit")


def method_system(b: Battery, test: RomTest) -> str:
    return own(f"{b.id}/{test.id}.method")


def _value(test: RomTest, value: Any) -> dict[str, Any]:
    if value is None:
        return {"dataAbsentReason": NOT_PERFORMED}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if test.type == "grade":
        return {"valueCodeableConcept": concept(GRADE, str(value), str(value))}
    unit = test.unit or "deg"
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def _base(code: dict[str, Any], category: dict[str, Any], date: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [category],
        "code": code,
    }
    if date:
        out["effectiveDateTime"] = date
    return out


def observations_of(b: Battery, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The intake document's measurements, outcomes and re-tests as Observations."""
    date = str(doc["date"]) if doc.get("date") is not None else None
    tests = b.by_id()
    out = []
    for test_id, m in (doc.get("measurements") or {}).items():
        test = tests.get(test_id)
        if test is None or m is None:
            continue  # not a test of this battery (validation says so), or recorded as nothing
        for side in ("left", "right", "value"):
            if side not in m:
                continue
            o = _base(concept(ROM, test.id, test.name), EXAM, date)
            if side != "value":
                joint = "lower limb" if test.group == "neurological" else \
                    "knee" if test.id in KNEE_TESTS else "hip"
                o["bodySite"] = body_site(side, joint)
            if side in (m.get("stopped_at_limit") or ()):
                o["extension"] = [{"url": STOPPED, "valueBoolean": True}]
            if m.get("method") is not None:
                o["method"] = concept(
                    method_system(b, test), m["method"], text=test.method_labels.get(m["method"], m["method"])
                )
            if m.get("instrument") is not None:
                o["device"] = {"display": m["instrument"]}
            if m.get("note") is not None:
                o["note"] = [{"text": m["note"]}]
            out.append({**o, **_value(test, m[side])})
    for outcome, score in (doc.get("outcomes") or {}).items():
        value = (
            {"valueQuantity": {"value": score}} if score is not None else {"dataAbsentReason": NOT_PERFORMED}
        )
        out.append({**_base(concept(OUTCOME, outcome), SURVEY, date), **value})
    for exercise, result in (doc.get("retests") or {}).items():
        value = (
            {"valueCodeableConcept": concept(RESULT, result)}
            if result is not None
            else {"dataAbsentReason": NOT_PERFORMED}
        )
        out.append({**_base(concept(RETEST, exercise), EXAM, date), **value})
    return out


def _code(o: dict[str, Any], system: str) -> str | None:
    for c in (o.get("code") or {}).get("coding") or []:
        if isinstance(c, dict) and c.get("system") == system and isinstance(c.get("code"), str):
            return str(c["code"])
    return None


def _side(o: dict[str, Any]) -> str | None:
    for c in (o.get("bodySite") or {}).get("coding") or []:
        code = str(c.get("code", "")) if isinstance(c, dict) else ""
        for side, qualifier in SIDES.items():
            if code == qualifier or code.endswith(f"={qualifier}"):
                return side
    return None


def _read_value(o: dict[str, Any], where: str, problems: list[FieldProblem]) -> Any:
    if "dataAbsentReason" in o:
        return None
    if "valueBoolean" in o:
        return o["valueBoolean"]
    if "valueCodeableConcept" in o:
        grade = _code({"code": o["valueCodeableConcept"]}, GRADE)
        if grade is None:
            problems.append(FieldProblem(where, f"expected a grade coded in {GRADE}"))
        return grade
    quantity = o.get("valueQuantity")
    if isinstance(quantity, dict) and "value" in quantity:
        unit = quantity.get("code") or quantity.get("unit")
        if unit not in (None, "deg") or quantity.get("system") not in (None, UCUM):
            problems.append(FieldProblem(where, f"expected degrees (UCUM deg), got {unit!r}"))
        return quantity["value"]
    problems.append(FieldProblem(where, "expected valueQuantity in deg, valueBoolean or a dataAbsentReason"))
    return None


def measurements_of(
    b: Battery,
    observations: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The measurements, outcomes and re-tests the Observations hold (others are ignored), as
    the intake document's fields, with the problems found."""
    problems: list[FieldProblem] = []
    found: dict[str, Any] = {}
    tests = b.by_id()
    for o in observations:
        if (test_id := _code(o, ROM)) is not None:
            test = tests.get(test_id)
            side = _side(o) or "value"
            where = f"Observation {test_id}" + (f" ({side})" if side != "value" else "")
            if test is None:
                problems.append(FieldProblem(where, f"is not a test of the battery {b.id}"))
                continue
            m = found.setdefault("measurements", {}).setdefault(test_id, {})
            m[side] = _read_value(o, where, problems)
            method = _code({"code": o.get("method")}, method_system(b, test)) if o.get("method") else None
            if method is not None:
                m["method"] = method
            if isinstance(o.get("device"), dict) and o["device"].get("display"):
                m["instrument"] = o["device"]["display"]
            if o.get("note"):
                m["note"] = o["note"][0].get("text")
            if any(isinstance(e, dict) and e.get("url") == STOPPED and e.get("valueBoolean") is True
                   for e in o.get("extension") or []):
                m.setdefault("stopped_at_limit", []).append(side)
        elif (outcome := _code(o, OUTCOME)) is not None:
            found.setdefault("outcomes", {})[outcome] = _read_value(o, f"Observation {outcome}", problems)
        elif (exercise := _code(o, RETEST)) is not None:
            value = (
                None if "dataAbsentReason" in o else _code({"code": o.get("valueCodeableConcept")}, RESULT)
            )
            found.setdefault("retests", {})[exercise] = value
    return found, problems
