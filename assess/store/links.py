"""One-time intake links. A clinician makes a link for a client record; its token (never
stored, only its sha256) opens one intake form until the link expires or is revoked, and the
intake it brings in is saved to that client in the same transaction that marks the link used,
so a link cannot bring in two, nor land on anyone else."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, insert, select, update

from assess.domain.assessment import Assessment
from assess.domain.errors import UsageError
from assess.store.accounts import Clinician, account_by_id
from assess.store.people import ClientRecord, client_record, may_see
from assess.store.records import Saved, aware, save_in, utc_now
from assess.store.tables import intake_links

LINK_DAYS = 7  # long enough to fill in at home before the visit


@dataclass(frozen=True)
class Link:
    label: str
    clinician: Clinician
    expires_at: dt.datetime
    client: ClientRecord | None = None  # None: an older link, made for a typed name


@dataclass(frozen=True)
class OpenLink:
    """A link as the desk lists it (its token is not known: only that it exists)."""

    key: str  # the first 12 characters of the token's sha256: enough to revoke it by
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(engine: Engine, clinician: Clinician, client_id: str) -> str:
    """A new link token for the stored client `client_id`, whom the account may see."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    with engine.begin() as conn:
        record = client_record(conn, client_id)
        if record is None or not may_see(conn, clinician.id, clinician.administrator, client_id):
            raise UsageError("no such client")
        conn.execute(insert(intake_links).values(token_sha256=_hash(token), clinician_id=clinician.id,
                                                 client_id=client_id, label=record.name[:120],
                                                 created_at=now,
                                                 expires_at=now + dt.timedelta(days=LINK_DAYS)))
    return token


def links_of(engine: Engine, client_id: str) -> list[OpenLink]:
    with engine.connect() as conn:
        rows = conn.execute(select(intake_links.c.token_sha256, intake_links.c.created_at,
                                   intake_links.c.expires_at, intake_links.c.used_at)
                            .where(intake_links.c.client_id == client_id)
                            .order_by(intake_links.c.created_at.desc())).all()
    return [OpenLink(r[0][:12], aware(r[1]), aware(r[2]), aware(r[3]) if r[3] else None) for r in rows]


def revoke_link(engine: Engine, client_id: str, key: str) -> bool:
    """End an unused intake link of this client now (by the start of its hash); False when
    there is no such open link."""
    if len(key) != 12:
        return False
    now = utc_now()
    with engine.begin() as conn:
        done = conn.execute(update(intake_links).where(and_(
            intake_links.c.client_id == client_id,
            intake_links.c.token_sha256.startswith(key, autoescape=True),
            intake_links.c.used_at.is_(None), intake_links.c.expires_at > now))
            .values(expires_at=now))
    return bool(done.rowcount)


def _open_row(conn: Connection, token: str) -> Link | None:
    row = conn.execute(select(intake_links.c.label, intake_links.c.expires_at, intake_links.c.used_at,
                              intake_links.c.clinician_id, intake_links.c.client_id)
                       .where(intake_links.c.token_sha256 == _hash(token))).first()
    if row is None or row.used_at is not None or aware(row.expires_at) <= utc_now():
        return None
    client = client_record(conn, row.client_id) if row.client_id else None
    return Link(row.label, Clinician(row.clinician_id, "", ""), aware(row.expires_at), client)


def open_link(engine: Engine, token: str) -> Link | None:
    """The link of this token while it can be used (not used, not expired, its clinician's
    account enabled); else None."""
    with engine.connect() as conn:
        found = _open_row(conn, token)
    if found is None:
        return None
    owner = account_by_id(engine, found.clinician.id)
    if owner is None or owner.disabled:
        return None
    return Link(found.label, owner, found.expires_at, found.client)


def _mark_used(conn: Connection, token: str) -> None:
    now = utc_now()
    marked = conn.execute(update(intake_links).where(and_(
        intake_links.c.token_sha256 == _hash(token), intake_links.c.used_at.is_(None),
        intake_links.c.expires_at > now)).values(used_at=now))
    if marked.rowcount != 1:
        raise UsageError("this link was used or has expired")


def use_link(engine: Engine, token: str, link: Link, a: Assessment, *, json_bytes: bytes,
             pdf: bytes | None, origin: str = "") -> tuple[Saved, str]:
    """Save the intake's assessment to the link's client, under the link's clinician, mark the
    link used, make the client's plan link and log it, all in one transaction (one write: a
    busy server's sends queue once, not four times); refused (UsageError) when the link was
    used or expired meanwhile. The save and the plan link's token."""
    from assess.store.access_log import record_in
    from assess.store.releases import make_plan_link_in

    with engine.begin() as conn:
        _mark_used(conn, token)
        saved = save_in(conn, a, json_bytes=json_bytes, pdf=pdf, recorded_by=link.clinician.name,
                        client_id=link.client.id if link.client else None, always_new=link.client is None,
                        owner_id=link.clinician.id)
        plan_token = make_plan_link_in(conn, link.clinician.id, saved.client_id)
        record_in(conn, "client sent an intake", actor="client (intake link)", client_id=saved.client_id,
                  assessment_id=saved.assessment_id, origin=origin)
    return saved, plan_token


def stop_with_link(engine: Engine, token: str, link: Link, *, summary: str, answers_json: str) -> str:
    """Mark the link used by a client who stopped the questionnaire early (an emergency answer)
    and, in the same transaction, alert the link's clinician with what was answered: an alert,
    not an assessment, for the answers are not a whole intake. The alert's id."""
    from assess.store.alerts import raise_alert

    with engine.begin() as conn:
        _mark_used(conn, token)
        return raise_alert(conn, link.clinician.id, client_id=link.client.id if link.client else None,
                           assessment_id=None, emergency=True, summary=summary, answers=answers_json)
