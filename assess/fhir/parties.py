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


def parties_of(engine: Any, assessment_id: str) -> Parties:
    """The store's client, clinician and clinic for a stored assessment."""
    from sqlalchemy import select

    from assess.store.accounts import account_by_id
    from assess.store.clinic import clinic
    from assess.store.people import client_record, owner_of
    from assess.store.records import aware
    from assess.store.releases import release_of
    from assess.store.tables import assessments, visits

    with engine.connect() as conn:
        row = conn.execute(
            select(visits.c.client_id, assessments.c.recorded_at)
            .join(visits, visits.c.id == assessments.c.visit_id)
            .where(assessments.c.id == assessment_id)
        ).one()
        record = client_record(conn, row.client_id)
    done = release_of(engine, assessment_id)
    who_id = done.clinician_id if done else owner_of(engine, row.client_id)
    who = account_by_id(engine, who_id) if who_id else None
    home = clinic(engine)
    return Parties(
        client_id=row.client_id,
        born=record.date_of_birth if record else None,
        phone=record.phone if record else None,
        email=record.email if record else None,
        identifier=(record.identifier_system, record.identifier_value)
        if record and record.identifier_system and record.identifier_value
        else None,
        clinician_id=who.id if who else None,
        clinician_name=who.name if who else None,
        profession=who.profession if who else None,
        registration=who.registration if who else None,
        clinician_email=who.email if who else None,
        clinic_name=home.name if home else None,
        clinic_phone=home.phone if home else None,
        clinic_email=home.email if home else None,
        clinic_address=(home.address or "").replace("\n", ", ") or None if home else None,
        recorded_at=aware(row.recorded_at),
    )
