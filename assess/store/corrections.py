"""Corrections: a stored assessment is never changed; a correction is a new version of its
intake and assessment (and of its visit, when the date was wrong) that names the version it
replaces, who made it and why, saved in one transaction."""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.exc import IntegrityError

from assess.domain.assessment import Assessment
from assess.domain.errors import UsageError
from assess.store.records import Saved, new_id, resolve_assessment, sha256_of, utc_now
from assess.store.tables import assessments, clients, intakes, pdfs, visits


def _newer(conn: Connection, assessment_id: str) -> str | None:
    found = conn.execute(select(assessments.c.id).where(assessments.c.supersedes == assessment_id)).first()
    return str(found[0]) if found else None


def superseded_by(engine: Engine, assessment_id: str) -> str | None:
    """The id of the version that replaced this assessment, if any."""
    with engine.connect() as conn:
        return _newer(conn, assessment_id)


def _refuse_if_corrected(conn: Connection, assessment_id: str) -> None:
    newer = _newer(conn, assessment_id)
    if newer:
        raise UsageError(f"assessment {assessment_id[:8]} was already corrected by {newer[:8]}; "
                         "correct that version")


def check_current(engine: Engine, assessment_id: str) -> None:
    """Refuse (UsageError) to correct an assessment that a newer version already replaced."""
    with engine.connect() as conn:
        _refuse_if_corrected(conn, assessment_id)


def save_correction(engine: Engine, key: str, a: Assessment, *, json_bytes: bytes, pdf: bytes,
                    recorded_by: str, reason: str) -> Saved:
    """Store `a` as the corrected version of the assessment `key` (an id or its first
    characters): a new intake, assessment and PDF that supersede the old ones, with who and
    why. Refused when the assessment was already corrected (correct the current version) or
    when the correction names another client."""
    if not reason.strip():
        raise UsageError("--reason: say why the assessment is corrected; it is kept with the correction")
    stamp = {"recorded_by": recorded_by, "recorded_at": utc_now()}
    with engine.begin() as conn:
        old_id = resolve_assessment(conn, key)
        old = conn.execute(select(assessments.c.visit_id, assessments.c.intake_id, visits.c.client_id,
                                  visits.c.visit_date, clients.c.name)
                           .join(visits, visits.c.id == assessments.c.visit_id)
                           .join(clients, clients.c.id == visits.c.client_id)
                           .where(assessments.c.id == old_id)).one()
        _refuse_if_corrected(conn, old_id)
        if a.client.name != old.name:
            raise UsageError(f"the correction names {a.client.name!r}, the assessment is of {old.name!r}; "
                             "a correction keeps its client")
        visit_id = old.visit_id
        if a.assessed_on != old.visit_date:  # the visit's date was wrong: a new version of the visit
            visit_id = new_id()
            conn.execute(visits.insert().values(id=visit_id, client_id=old.client_id,
                                                visit_date=a.assessed_on, supersedes=old.visit_id,
                                                reason=reason, **stamp))
        intake_id, assessment_id = new_id(), new_id()
        intake_json = json.dumps(a.intake.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        conn.execute(intakes.insert().values(id=intake_id, visit_id=visit_id, document=intake_json,
                                             sha256=sha256_of(intake_json.encode()), supersedes=old.intake_id,
                                             reason=reason, **stamp))
        ruleset = a.identity.ruleset
        try:
            conn.execute(assessments.insert().values(
                id=assessment_id, visit_id=visit_id, intake_id=intake_id,
                document=json_bytes.decode("utf-8"), sha256=sha256_of(json_bytes),
                ruleset_name=ruleset.name, ruleset_version=ruleset.version, ruleset_sha256=ruleset.sha256,
                referral=int(a.plan.referral), supersedes=old_id, reason=reason, **stamp))
        except IntegrityError:  # another correction of the same version landed first
            raise UsageError(f"assessment {old_id[:8]} was corrected by someone else just now; "
                             "correct that version") from None
        conn.execute(pdfs.insert().values(id=new_id(), assessment_id=assessment_id, content=pdf,
                                          sha256=sha256_of(pdf), **stamp))
    return Saved(old.client_id, old.name, visit_id, assessment_id, False)


def corrections_of(engine: Engine, assessment_id: str) -> list[tuple[str, str, str, str | None]]:
    """The chain of versions behind an assessment, newest first: (id, recorded_by, when, reason)."""
    out = []
    with engine.connect() as conn:
        current: str | None = assessment_id
        while current:
            row = conn.execute(select(assessments.c.id, assessments.c.recorded_by, assessments.c.recorded_at,
                                      assessments.c.reason, assessments.c.supersedes)
                               .where(and_(assessments.c.id == current))).one()
            out.append((str(row.id), str(row.recorded_by), f"{row.recorded_at:%Y-%m-%d %H:%M}", row.reason))
            current = row.supersedes
    return out
