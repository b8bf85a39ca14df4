"""One-time intake links. A clinician makes a link for a client; its token (never stored, only
its sha256) opens one intake form until the link expires, and the intake it brings in is saved
in the same transaction that marks the link used, so a link cannot bring in two."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, and_, insert, select, update

from assess.domain.assessment import Assessment
from assess.domain.errors import UsageError
from assess.store.accounts import Clinician
from assess.store.records import Saved, aware, save_in, utc_now
from assess.store.tables import clinicians, intake_links

LINK_DAYS = 7  # long enough to fill in at home before the visit


@dataclass(frozen=True)
class Link:
    label: str
    clinician: Clinician
    expires_at: dt.datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(engine: Engine, clinician: Clinician, label: str) -> str:
    """A new link token for the client `label`."""
    label = " ".join(label.split())
    if not label or len(label) > 120:
        raise UsageError("say whom the link is for (up to 120 characters)")
    token = secrets.token_urlsafe(32)
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(insert(intake_links).values(token_sha256=_hash(token), clinician_id=clinician.id,
                                                 label=label, created_at=now,
                                                 expires_at=now + dt.timedelta(days=LINK_DAYS)))
    return token


def open_link(engine: Engine, token: str) -> Link | None:
    """The link of this token while it can be used: not used, not expired; else None."""
    with engine.connect() as conn:
        row = conn.execute(select(intake_links.c.label, intake_links.c.expires_at, intake_links.c.used_at,
                                  clinicians.c.id, clinicians.c.username, clinicians.c.name)
                           .join(clinicians, clinicians.c.id == intake_links.c.clinician_id)
                           .where(intake_links.c.token_sha256 == _hash(token))).first()
    if row is None or row.used_at is not None or aware(row.expires_at) <= utc_now():
        return None
    return Link(row.label, Clinician(row.id, row.username, row.name), aware(row.expires_at))


def use_link(engine: Engine, token: str, a: Assessment, *, json_bytes: bytes, pdf: bytes | None) -> Saved:
    """Save the intake's assessment under the link's clinician and mark the link used, both in
    one transaction; refused (UsageError) when the link was used or expired meanwhile."""
    now = utc_now()
    with engine.begin() as conn:
        marked = conn.execute(update(intake_links).where(and_(
            intake_links.c.token_sha256 == _hash(token), intake_links.c.used_at.is_(None),
            intake_links.c.expires_at > now)).values(used_at=now))
        if marked.rowcount != 1:
            raise UsageError("this link was used or has expired")
        owner = conn.execute(select(clinicians.c.name)
                             .join(intake_links, intake_links.c.clinician_id == clinicians.c.id)
                             .where(intake_links.c.token_sha256 == _hash(token))).scalar_one()
        return save_in(conn, a, json_bytes=json_bytes, pdf=pdf, recorded_by=owner, ambiguous_is_new=True)
