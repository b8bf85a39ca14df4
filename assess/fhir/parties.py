"""Who an exported assessment is about, by and from, as FHIR resources: the Patient with its
identifiers, birth date and telecom, the clinician as a Practitioner and the clinic as an
Organization. Each carries an identifier the receiving server can match on, so the transaction
creates it only when none exists (`ifNoneExist`, conditional create) and a second export of the
same client does not make a second Patient."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from assess.fhir.codes import BASE

CLIENT_ID = f"{BASE}/sid/client"  # a client's id in the store
ACCOUNT_ID = f"{BASE}/sid/account"  # a clinician's account id in the store
CLINIC_ID = f"{BASE}/sid/clinic"
REGISTRATION = f"{BASE}/sid/professional-registration"  # the number as the clinician gave it


@dataclass(frozen=True)
class Parties:
    """What the store knows beyond the assessment JSON (all optional: an assessment file alone
    exports without them)."""

    client_id: str | None = None
    born: dt.date | None = None
    phone: str | None = None
    email: str | None = None
    identifier: tuple[str, str] | None = None  # (system, value), e.g. the NHS number
    clinician_id: str | None = None
    clinician_name: str | None = None
    profession: str | None = None
    registration: str | None = None
    clinician_email: str | None = None
    clinic_name: str | None = None
    clinic_phone: str | None = None
    clinic_email: str | None = None
    clinic_address: str | None = None
    recorded_at: dt.datetime | None = None


def _telecom(phone: str | None, email: str | None) -> list[dict[str, str]]:
    return [{"system": s, "value": v} for s, v in (("phone", phone), ("email", email)) if v]


def patient(name: str, gender: str | None, p: Parties) -> tuple[dict[str, Any], str | None]:
    """The Patient and the search its conditional create matches on (None: no identifier)."""
    resource: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": name}]}
    identifiers = []
    if p.identifier:
        identifiers.append({"system": p.identifier[0], "value": p.identifier[1]})
    if p.client_id:
        identifiers.append({"system": CLIENT_ID, "value": p.client_id})
    if identifiers:
        resource["identifier"] = identifiers
    if gender:
        resource["gender"] = gender
    if p.born:
        resource["birthDate"] = p.born.isoformat()
    if telecom := _telecom(p.phone, p.email):
        resource["telecom"] = telecom
    first = identifiers[0] if identifiers else None
    return resource, (f"identifier={first['system']}|{first['value']}" if first else None)


def practitioner(p: Parties) -> tuple[dict[str, Any], str] | None:
    if not p.clinician_id or not p.clinician_name:
        return None
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "name": [{"text": p.clinician_name}],
        "identifier": [{"system": ACCOUNT_ID, "value": p.clinician_id}],
    }
    if p.registration:
        resource["identifier"].append({"system": REGISTRATION, "value": p.registration})
    if p.profession:
        resource["qualification"] = [{"code": {"text": p.profession}}]
    if telecom := _telecom(None, p.clinician_email):
        resource["telecom"] = telecom
    return resource, f"identifier={ACCOUNT_ID}|{p.clinician_id}"


def organization(p: Parties) -> tuple[dict[str, Any], str] | None:
    if not p.clinic_name:
        return None
    key = hashlib.sha256(p.clinic_name.encode()).hexdigest()[:16]  # the clinic's name, as a stable key
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "name": p.clinic_name,
        "identifier": [{"system": CLINIC_ID, "value": key}],
    }
    if telecom := _telecom(p.clinic_phone, p.clinic_email):
        resource["telecom"] = telecom
    if p.clinic_address:
        resource["address"] = [{"text": p.clinic_address}]
    return resource, f"identifier={CLINIC_ID}|{key}"
