"""What the store knows of a stored assessment's people, for its FHIR export: the client's
record, the clinician who released it (or whose client it is) and the clinic."""

from __future__ import annotations

from typing import Any

from assess.fhir.parties import Parties


def parties_of(engine: Any, assessment_id: str) -> Parties:
    """The store's client, clinician and clinic for a stored assessment."""
    from sqlalchemy import select

    from assess.store.clinic import clinic
    from assess.store.people import client_record
    from assess.store.records import aware
    from assess.store.releases import signer_of
    from assess.store.tables import assessments, visits

    with engine.connect() as conn:
        row = conn.execute(
            select(visits.c.client_id, assessments.c.recorded_at)
            .join(visits, visits.c.id == assessments.c.visit_id)
            .where(assessments.c.id == assessment_id)
        ).one()
        record = client_record(conn, row.client_id)
    who = signer_of(engine, assessment_id, row.client_id)
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
