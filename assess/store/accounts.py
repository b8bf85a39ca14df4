"""Clinician accounts, signed-in sessions and sign-in attempts for the web desk. Passwords are
kept as scrypt hashes (hashlib; RFC 7914 parameters n=2^14, r=8, p=1), a session's cookie
token only as its sha256, and failed sign-ins are counted in the database (no state outside
it, so any number of web workers agree)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Engine, and_, delete, func, insert, select

from assess.domain.errors import UsageError
from assess.store.records import (
    StoredAssessment,
    aware,
    current_only,
    latest_pdf,
    new_id,
    stored_query,
    utc_now,
)
from assess.store.tables import assessments, clinicians, sessions, sign_in_attempts, visits

_N, _R, _P = 2**14, 8, 1
SESSION_HOURS = 8  # a working day; signing in again after it is the safe default
MAX_FAILURES, FAILURE_WINDOW = 5, dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Clinician:
    id: str
    username: str
    name: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


@cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def add_clinician(engine: Engine, username: str, name: str, password: str) -> Clinician:
    if not username.strip() or not name.strip():
        raise UsageError("a clinician needs a username and a name")
    if len(password) < 10:  # design choice: above NIST SP 800-63B's minimum of 8 for a chosen password
        raise UsageError("the password is too short: use at least 10 characters")
    with engine.begin() as conn:
        if conn.execute(select(clinicians.c.id).where(clinicians.c.username == username)).first():
            raise UsageError(f"there is already a clinician {username!r}")
        cid = new_id()
        conn.execute(insert(clinicians).values(id=cid, username=username, name=name,
                                               password_hash=hash_password(password), created_at=utc_now()))
    return Clinician(cid, username, name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(engine: Engine, username: str, password: str) -> tuple[str, Clinician] | None:
    """A new session token for a right password, else None. Refused without checking once the
    username has had MAX_FAILURES failures in FAILURE_WINDOW (UsageError says so)."""
    now = utc_now()
    with engine.begin() as conn:
        failures = conn.execute(select(func.count()).select_from(sign_in_attempts).where(and_(
            sign_in_attempts.c.username == username, sign_in_attempts.c.succeeded == 0,
            sign_in_attempts.c.at > now - FAILURE_WINDOW))).scalar_one()
        if failures >= MAX_FAILURES:
            raise UsageError("too many failed sign-ins for this username; try again in 15 minutes")
        row = conn.execute(select(clinicians).where(clinicians.c.username == username)).first()
        # A hash is checked even for an unknown username, so the answer takes as long either way.
        ok = password_matches(password, row.password_hash if row else _unknown_user_hash())
        conn.execute(insert(sign_in_attempts).values(username=username, at=now, succeeded=int(ok)))
        if row is None or not ok:
            return None
        token = secrets.token_urlsafe(32)
        conn.execute(insert(sessions).values(token_sha256=_token_hash(token), clinician_id=row.id,
                                             csrf=secrets.token_urlsafe(32),
                                             expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    return token, Clinician(row.id, row.username, row.name)


def session_of(engine: Engine, token: str) -> tuple[Clinician, str] | None:
    """The clinician and CSRF token of a live session, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(clinicians.c.id, clinicians.c.username, clinicians.c.name, sessions.c.csrf,
                                  sessions.c.expires_at)
                           .join(clinicians, clinicians.c.id == sessions.c.clinician_id)
                           .where(sessions.c.token_sha256 == _token_hash(token))).first()
    if row is None:
        return None
    if aware(row.expires_at) <= utc_now():
        return None
    return Clinician(row.id, row.username, row.name), str(row.csrf)


def sign_out(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_sha256 == _token_hash(token)))


def own_assessments(engine: Engine, clinician: Clinician) -> list[StoredAssessment]:
    """The current assessments recorded by this clinician (as records are signed: their name),
    newest visit first."""
    q = stored_query().where(and_(assessments.c.recorded_by == clinician.name, current_only()))
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(visits.c.visit_date.desc(), assessments.c.recorded_at.desc())).all()
    return [StoredAssessment(*r) for r in rows]


def own_assessment(engine: Engine, clinician: Clinician, assessment_id: str) -> StoredAssessment | None:
    """One assessment of this clinician's by its full id; None for any other (the desk answers
    404 alike for another clinician's and for no such assessment)."""
    q = stored_query().where(and_(assessments.c.id == assessment_id,
                                  assessments.c.recorded_by == clinician.name))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return StoredAssessment(*row) if row else None


def pdf_of(engine: Engine, assessment_id: str) -> bytes | None:
    with engine.connect() as conn:
        found = latest_pdf(conn, assessment_id)
    return found[0] if found else None
