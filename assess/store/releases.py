"""Releasing a plan to its client. Nothing a web intake produces is shown to the client until
a clinician has looked at it and sent it (and signed it off first, where the plan needs it).
The client reads the released plan at a private link (only its token's sha256 is kept) that
expires and can be revoked; the link follows the client, so a later released visit shows there."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, insert, select, update

from assess.domain.errors import UsageError
from assess.store.accounts import Clinician
from assess.store.records import (
    StoredAssessment,
    aware,
    current_only,
    new_id,
    sha256_of,
    stored_query,
    utc_now,
)
from assess.store.tables import assessments, clients, plan_links, releases, visits

PLAN_LINK_DAYS = 120  # design choice: a plan runs to its review (up to 12 weeks) and a little beyond


@dataclass(frozen=True)
class Release:
    assessment_id: str
    by: str
    clinician_id: str
    at: dt.datetime


def release_of(engine: Engine, assessment_id: str) -> Release | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                releases.c.assessment_id,
                releases.c.released_by,
                releases.c.clinician_id,
                releases.c.released_at,
            )
            .where(releases.c.assessment_id == assessment_id)
            .order_by(releases.c.released_at.desc())
            .limit(1)
        ).first()
    return Release(row[0], row[1], row[2], aware(row[3])) if row else None


def released_ids(engine: Engine, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    with engine.connect() as conn:
        return set(
            conn.execute(select(releases.c.assessment_id).where(releases.c.assessment_id.in_(ids))).scalars()
        )


def release(engine: Engine, clinician: Clinician, stored: StoredAssessment) -> Release:
    """Record that `clinician` sent this assessment's plan to the client. Refused when a newer
    version replaced it, or when the plan needs a sign-off that it has not had."""
    a = stored.assessment()
    if a.awaits_sign_off:
        raise UsageError(
            "This plan needs a clinician's sign-off before it goes to the client: sign it "
            "off first (or change it so that it does not need one)."
        )
    now = utc_now()
    with engine.begin() as conn:
        newer = assessments.alias("newer")
        if conn.execute(select(newer.c.id).where(newer.c.supersedes == stored.id)).first():
            raise UsageError("A newer version of this assessment exists: send that one.")
        conn.execute(
            insert(releases).values(
                id=new_id(),
                assessment_id=stored.id,
                clinician_id=clinician.id,
                released_by=clinician.name,
                released_at=now,
            )
        )
    return Release(stored.id, clinician.name, clinician.id, now)


def make_plan_link(engine: Engine, clinician: Clinician, client_id: str) -> str:
    with engine.begin() as conn:
        return make_plan_link_in(conn, clinician.id, client_id)


def make_plan_link_in(conn: Connection, clinician_id: str, client_id: str) -> str:
    """A new plan link token for the client, within the caller's transaction."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    conn.execute(
        insert(plan_links).values(
            token_sha256=sha256_of(token.encode()),
            client_id=client_id,
            created_by=clinician_id,
            created_at=now,
            expires_at=now + dt.timedelta(days=PLAN_LINK_DAYS),
        )
    )
    return token


@dataclass(frozen=True)
class PlanLink:
    key: str  # the start of the token's sha256, to revoke it by
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None and self.expires_at > utc_now()


def plan_links_of(engine: Engine, client_id: str) -> list[PlanLink]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                plan_links.c.token_sha256,
                plan_links.c.created_at,
                plan_links.c.expires_at,
                plan_links.c.revoked_at,
            )
            .where(plan_links.c.client_id == client_id)
            .order_by(plan_links.c.created_at.desc())
        ).all()
    return [PlanLink(r[0][:12], aware(r[1]), aware(r[2]), aware(r[3]) if r[3] else None) for r in rows]


def revoke_plan_link(engine: Engine, client_id: str, key: str) -> bool:
    if len(key) != 12:
        return False
    with engine.begin() as conn:
        done = conn.execute(
            update(plan_links)
            .where(
                and_(
                    plan_links.c.client_id == client_id,
                    plan_links.c.token_sha256.startswith(key, autoescape=True),
                    plan_links.c.revoked_at.is_(None),
                )
            )
            .values(revoked_at=utc_now())
        )
    return bool(done.rowcount)


def client_of_plan_link(engine: Engine, token: str) -> str | None:
    """The client a live plan link opens, or None (unknown, expired or revoked alike)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(plan_links.c.client_id, plan_links.c.expires_at, plan_links.c.revoked_at).where(
                plan_links.c.token_sha256 == sha256_of(token.encode())
            )
        ).first()
    if row is None or row.revoked_at is not None or aware(row.expires_at) <= utc_now():
        return None
    return str(row.client_id)


@dataclass(frozen=True)
class ClientView:
    """What a plan link shows: the client's newest visit, and whether it was released."""

    client_name: str
    newest: StoredAssessment | None
    released: Release | None


def client_view(engine: Engine, client_id: str) -> ClientView:
    """The client's newest current assessment and its release. Only a released newest visit is
    shown as a plan: an older released plan is not shown once a newer visit waits, for the new
    answers may change it."""
    with engine.connect() as conn:
        name = conn.execute(select(clients.c.name).where(clients.c.id == client_id)).scalar_one()
        row = conn.execute(
            stored_query()
            .where(and_(visits.c.client_id == client_id, current_only()))
            .order_by(visits.c.visit_date.desc(), assessments.c.recorded_at.desc())
            .limit(1)
        ).first()
    newest = StoredAssessment(*row) if row else None
    return ClientView(name, newest, release_of(engine, newest.id) if newest else None)


def signer_of(engine: Engine, assessment_id: str, client_id: str) -> Clinician | None:
    """Who signs an assessment's PDFs and letters and is its FHIR author: the clinician who
    released it, else the account whose client it is, else no one."""
    from assess.store.accounts import account_by_id
    from assess.store.people import owner_of

    done = release_of(engine, assessment_id)
    who_id = done.clinician_id if done else owner_of(engine, client_id)
    return account_by_id(engine, who_id) if who_id else None
