"""An assessment as a FHIR R4 transaction Bundle: the Patient (only what the intake holds), the
QuestionnaireResponse, one Observation per measurement, the findings, the plan as a CarePlan
(or a referral as a ServiceRequest) and a Provenance naming the rule set and the rules that
fired.

Findings are Observations, not Conditions: each is what this visit's answers and measurements
showed ("limited hip extension, left"), derived from them and true of that day, not a
diagnosis for a problem list; a Condition would claim more than the rules know."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from assess.definitions.questionnaire import battery, questionnaire
from assess.domain.assessment import Assessment, Conclusion
from assess.domain.plan import PlannedExercise
from assess.fhir.codes import (
    BASE,
    EXAM,
    PRIORITY,
    SIDES,
    body_site,
    concept,
    own,
)
from assess.fhir.observations import ROM, observations_of
from assess.fhir.parties import Parties, organization, patient, practitioner
from assess.fhir.responses import response_of

GENDER = {"female": "female", "male": "male", "other": "other", "prefer_not_to_say": "unknown"}
PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_WEEKLY = re.compile(r"(\d+)(?:\s*-\s*(\d+))?\s+(?:days|times|sessions) a week")


def _timing(frequency: str) -> dict[str, Any] | None:
    """ "2-3 days a week" as a FHIR Timing; None when the words say something else."""
    if (m := _WEEKLY.search(frequency)) is not None:
        repeat: dict[str, Any] = {"frequency": int(m.group(1)), "period": 1, "periodUnit": "wk"}
        if m.group(2):
            repeat["frequencyMax"] = int(m.group(2))
        return {"repeat": repeat}
    if re.search(r"\b(daily|every day)\b", frequency):
        return {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
    return None


class _Bundle:
    def __init__(self, a: Assessment) -> None:
        self.seed = f"{BASE}/assessment/{a.identity.input_sha256}/{a.generated_at}"
        self.entries: list[dict[str, Any]] = []

    def uuid(self, role: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.seed}/{role}')}"

    def add(self, role: str, resource: dict[str, Any], if_none_exist: str | None = None) -> dict[str, str]:
        """Add a resource; a reference to it. Its id is the same in every export of the
        same assessment (a UUID made from the assessment and the resource's role). With
        `if_none_exist` the server creates it only when no resource matches that search."""
        url = self.uuid(role)
        request = {"method": "POST", "url": resource["resourceType"]}
        if if_none_exist:
            request["ifNoneExist"] = if_none_exist
        self.entries.append({"fullUrl": url, "resource": resource, "request": request})
        return {"reference": url}


def _finding(
    a: Assessment, c: Conclusion, system: str, subject: dict[str, str], sources: list[dict[str, str]]
) -> dict[str, Any]:
    o: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [EXAM],
        "code": concept(own(system), c.id, c.text),
        "subject": subject,
        "effectiveDateTime": a.assessed_on.isoformat(),
        "valueBoolean": True,
    }
    if c.side in SIDES:
        o["bodySite"] = body_site(c.side)
    if c.how or c.detail:
        o["note"] = [{"text": "; ".join(t for t in (c.how, c.detail) if t)}]
    if sources:
        o["derivedFrom"] = sources
    return o


def _activity(e: PlannedExercise) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "code": concept(own("exercise"), e.id, e.name),
        "status": "not-started",
        "description": f"{e.dose}, {e.frequency}" + (f" ({e.side} side)" if e.side in SIDES else ""),
    }
    if (timing := _timing(e.frequency)) is not None:
        detail["scheduledTiming"] = timing
    return {"detail": detail}


def export_bundle(a: Assessment, parties: Parties | None = None) -> dict[str, Any]:
    """The assessment as a transaction Bundle (checked against fhir.resources' R4B model); with
    the store's `parties`, the Patient's identifiers and birth date, the clinician and the clinic."""
    from fhir.resources.R4B.bundle import Bundle

    p = parties or Parties()
    b = _Bundle(a)
    person, match = patient(a.client.name, GENDER.get(a.client.sex or ""), p)
    subject = b.add("patient", person, match)
    by = practitioner(p)
    at = organization(p)
    clinician_ref = b.add("practitioner", by[0], by[1]) if by else None
    clinic_ref = b.add("organization", at[0], at[1]) if at else None
    performers = [r for r in (clinician_ref, clinic_ref) if r]
    doc = a.intake.model_dump(mode="json", exclude_unset=True)
    # The client answered it (source); its author, when the intake names one, is the clinician.
    response = {**response_of(questionnaire(), doc), "subject": subject, "source": subject}
    qr = b.add("response", response)
    measured = []
    for n, o in enumerate(observations_of(battery(), doc)):
        seen_by = {"performer": performers} if performers else {}
        ref = b.add(f"observation/{n}", {**o, "subject": subject, **seen_by})
        if any(c.get("system") == ROM for c in o["code"]["coding"]):
            measured.append(ref)
    findings = []
    for system, conclusions in (
        ("finding", a.findings),
        ("pattern", a.patterns),
        ("yellow-flag", a.yellow_flags),
    ):
        for n, c in enumerate(conclusions):
            sources = [qr] if c.how.startswith("from your answers") or not measured else [qr, *measured]
            findings.append(b.add(f"{system}/{n}", _finding(a, c, system, subject, sources)))
    clinician = clinician_ref or ({"display": a.clinician} if a.clinician else None)
    if a.plan.referral and a.plan.referral_detail is not None:
        r = a.plan.referral_detail
        request: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "priority": PRIORITY.get(r.urgency, "urgent"),
            "code": {"text": f"Referral to a doctor ({r.label}): no exercise until seen"},
            "subject": subject,
            "authoredOn": a.assessed_on.isoformat(),
            "reasonCode": [
                concept(own("referral-reason"), x.reason, text=f"{x.text} Reported: {x.reported}.")
                for x in r.reasons
            ],
            "supportingInfo": [qr],
            "note": [{"text": r.action}],
        }
        if clinician:
            request["requester"] = clinician
        if clinic_ref:
            request["performer"] = [clinic_ref]
        b.add("referral", request)
    else:
        signed = a.signed_off
        plan: dict[str, Any] = {
            "resourceType": "CarePlan",
            # A plan that must be signed off and is not is a draft until a clinician does.
            "status": "draft" if a.plan.clinician_review.required and signed is None else "active",
            "intent": "plan",
            "title": "Exercise plan",
            "subject": subject,
            "created": a.assessed_on.isoformat(),
            "supportingInfo": findings or [qr],
            "activity": [_activity(e) for block in a.plan.blocks for e in block.exercises],
        }
        if clinician:
            plan["author"] = clinician
        if performers:
            plan["contributor"] = performers
        notes = [f"Precaution: {p.title}. {p.text}" for p in a.precautions]
        notes += [f"Adjusted by {d.by} on {d.at:%Y-%m-%d}: {d.words()}" for d in a.adjustments]
        if signed is not None:
            notes.append(f"Reviewed and signed off by {signed.by} on {signed.at:%Y-%m-%d}: {signed.reason}")
        if notes:
            plan["note"] = [{"text": t} for t in notes]
        b.add("careplan", plan)
    rs = a.identity.ruleset
    agents = [
        {
            "type": concept(PARTICIPANT, "assembler", "Assembler"),
            "who": {"display": f"assess {a.identity.engine.assess} (experta {a.identity.engine.experta})"},
        }
    ]
    if clinician:
        agents.append({"type": concept(PARTICIPANT, "author", "Author"), "who": clinician,
                       **({"onBehalfOf": clinic_ref} if clinic_ref and clinician_ref else {})})
    fired = dict.fromkeys(f.rule for f in a.audit.firings)
    entities = [
        {"role": "source", "what": qr},
        {
            "role": "source",
            "what": {
                "identifier": {"system": own("ruleset"), "value": f"{rs.name}|{rs.version}"},
                "display": f"rule set {rs.name} {rs.version}, sha256 {rs.sha256}",
            },
        },
    ]
    entities += [
        {
            "role": "source",
            "what": {
                "identifier": {"system": own("rule"), "value": rule},
                "display": f"rule {rule} fired"
                + (f": {a.audit.rules[rule].title}" if rule in a.audit.rules else ""),
            },
        }
        for rule in fired
    ]
    targets = [{"reference": e["fullUrl"]} for e in b.entries]
    b.add(
        "provenance",
        {
            "resourceType": "Provenance",
            "target": targets,
            "recorded": a.generated_at,
            "agent": agents,
            "entity": entities,
        },
    )
    stamp = (p.recorded_at.astimezone(dt.UTC).isoformat(timespec="seconds") if p.recorded_at
             else a.generated_at)
    bundle = {"resourceType": "Bundle",
              "identifier": {"system": "urn:ietf:rfc:3986", "value": b.uuid("bundle")},
              "type": "transaction", "timestamp": stamp, "entry": b.entries}
    Bundle.model_validate(bundle)
    return bundle
