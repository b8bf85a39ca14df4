"""Clinician accounts, signed-in sessions and sign-in attempts for the web desk. Passwords are
kept as scrypt hashes (hashlib; RFC 7914 parameters n=2^14, r=8, p=1), a session's cookie
token only as its sha256, and failed sign-ins are counted in the database (no state outside
it, so any number of web workers agree). An account is a clinician or an administrator;
access to clients goes by the account's id (store.people), never by its display name."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Literal

from sqlalchemy import Engine, and_, delete, func, insert, select, update

from assess.domain.errors import UsageError
from assess.store.people import visible_clients
from assess.store.records import (
    StoredAssessment,
    aware,
    current_only,
    latest_pdf,
    new_id,
    stored_query,
    utc_now,
)
from assess.store.tables import assessments, clients, clinicians, sessions, sign_in_attempts, visits

_N, _R, _P = 2**14, 8, 1
SESSION_HOURS = 8  # a working day; signing in again after it is the safe default
MAX_FAILURES, FAILURE_WINDOW = 5, dt.timedelta(minutes=15)


Role = Literal["clinician", "administrator"]
ROLES: tuple[Role, ...] = ("clinician", "administrator")
MIN_PASSWORD = 10  # design choice: above NIST SP 800-63B's minimum of 8 for a chosen password


@dataclass(frozen=True)
class Clinician:
    id: str
    username: str
    name: str
    role: str = "clinician"
    profession: str | None = None
    registration: str | None = None
    email: str | None = None
    disabled: bool = False

    @property
    def administrator(self) -> bool:
        return self.role == "administrator"

    def signature(self) -> list[str]:
        """The lines a letter is signed with: name, then profession and registration."""
        second = ", ".join(x for x in (self.profession, f"registration {self.registration}"
                                       if self.registration else None) if x)
        return [self.name] + ([second] if second else []) + ([self.email] if self.email else [])


_ACCOUNT = (clinicians.c.id, clinicians.c.username, clinicians.c.name, clinicians.c.role,
            clinicians.c.profession, clinicians.c.registration, clinicians.c.email)


def _account(row: object) -> Clinician:
    r = row._mapping  # type: ignore[attr-defined]
    return Clinician(r["id"], r["username"], r["name"], r["role"], r["profession"], r["registration"],
                     r["email"], r.get("disabled_at") is not None)


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


# The store's column widths: a longer value is refused by name, not by the database.
WIDTHS = {"username": 80, "name": 120, "profession": 120, "registration": 80, "email": 200}


def _check_widths(**values: str | None) -> None:
    too_long = [f"--{k}: at most {WIDTHS[k]} characters"
                for k, v in values.items() if v and len(v) > WIDTHS[k]]
    if too_long:
        raise UsageError("; ".join(too_long))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password is too short: use at least {MIN_PASSWORD} characters")


def add_clinician(engine: Engine, username: str, name: str, password: str, *, role: Role = "clinician",
                  profession: str | None = None, registration: str | None = None,
                  email: str | None = None) -> Clinician:
    if not username.strip() or not name.strip():
        raise UsageError("a clinician needs a username and a name")
    if role not in ROLES:
        raise UsageError(f"--role: {role!r} is not one of: {', '.join(ROLES)}")
    _check_widths(username=username, name=name, profession=profession, registration=registration, email=email)
    _check_password(password)
    with engine.begin() as conn:
        if conn.execute(select(clinicians.c.id).where(clinicians.c.username == username)).first():
            raise UsageError(f"there is already a clinician {username!r}")
        cid = new_id()
        conn.execute(insert(clinicians).values(id=cid, username=username, name=name, role=role,
                                               profession=profession, registration=registration, email=email,
                                               password_hash=hash_password(password), created_at=utc_now()))
    return Clinician(cid, username, name, role, profession, registration, email)


def accounts(engine: Engine) -> list[Clinician]:
    with engine.connect() as conn:
        rows = conn.execute(select(*_ACCOUNT, clinicians.c.disabled_at).order_by(clinicians.c.username)).all()
    return [_account(r) for r in rows]


def account(engine: Engine, username: str) -> Clinician:
    with engine.connect() as conn:
        row = conn.execute(select(*_ACCOUNT, clinicians.c.disabled_at)
                           .where(clinicians.c.username == username)).first()
    if row is None:
        raise UsageError(f"there is no account {username!r} (assess user list)")
    return _account(row)


def account_by_id(engine: Engine, account_id: str) -> Clinician | None:
    with engine.connect() as conn:
        row = conn.execute(select(*_ACCOUNT, clinicians.c.disabled_at)
                           .where(clinicians.c.id == account_id)).first()
    return _account(row) if row else None


def _change(engine: Engine, username: str, end_sessions: bool, **values: object) -> Clinician:
    found = account(engine, username)
    with engine.begin() as conn:
        conn.execute(update(clinicians).where(clinicians.c.id == found.id).values(**values))
        if end_sessions:  # at once: the next request of a signed-in browser finds no session
            conn.execute(delete(sessions).where(sessions.c.clinician_id == found.id))
    return account(engine, username)


def set_disabled(engine: Engine, username: str, disabled: bool) -> Clinician:
    """Disable an account (its sessions end now; it cannot sign in) or enable it again."""
    return _change(engine, username, disabled, disabled_at=utc_now() if disabled else None)


def reset_password(engine: Engine, username: str, password: str) -> Clinician:
    """A new password; every session of the account ends."""
    _check_password(password)
    return _change(engine, username, True, password_hash=hash_password(password))


def set_role(engine: Engine, username: str, role: str) -> Clinician:
    if role not in ROLES:
        raise UsageError(f"{role!r} is not a role; use one of: {', '.join(ROLES)}")
    if role != "administrator":
        admins = [a for a in accounts(engine)
                  if a.administrator and not a.disabled and a.username != username]
        if not admins and account(engine, username).administrator:
            raise UsageError("this is the last administrator; make another account administrator first")
    return _change(engine, username, True, role=role)


def set_details(engine: Engine, username: str, **details: str | None) -> Clinician:
    """What letters print of the account: name, profession, registration number, e-mail."""
    values = {k: (v.strip() or None) if isinstance(v, str) else v
              for k, v in details.items() if v is not None}
    if "name" in values and not values["name"]:
        raise UsageError("--name: a clinician needs a name")
    _check_widths(**{k: v for k, v in values.items() if isinstance(v, str)})
    return _change(engine, username, False, **values) if values else account(engine, username)


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
        if row.disabled_at is not None:
            raise UsageError("this account is disabled; ask the clinic's administrator")
        token = secrets.token_urlsafe(32)
        conn.execute(insert(sessions).values(token_sha256=_token_hash(token), clinician_id=row.id,
                                             csrf=secrets.token_urlsafe(32),
                                             expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    return token, _account(row)


def session_of(engine: Engine, token: str) -> tuple[Clinician, str] | None:
    """The clinician and CSRF token of a live session of an enabled account, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(*_ACCOUNT, sessions.c.csrf, sessions.c.expires_at)
                           .join(clinicians, clinicians.c.id == sessions.c.clinician_id)
                           .where(and_(sessions.c.token_sha256 == _token_hash(token),
                                       clinicians.c.disabled_at.is_(None)))).first()
    if row is None:
        return None
    if aware(row.expires_at) <= utc_now():
        return None
    return _account(row), str(row.csrf)


def sign_out(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_sha256 == _token_hash(token)))


def own_assessments(engine: Engine, clinician: Clinician,
                    client_id: str | None = None) -> list[StoredAssessment]:
    """The current assessments of the clients this account may see (by its id: owned, shared
    with it, or every client for an administrator), newest visit first."""
    q = stored_query().where(and_(visible_clients(clinician.id, clinician.administrator), current_only()))
    if client_id:
        q = q.where(clients.c.id == client_id)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(visits.c.visit_date.desc(), assessments.c.recorded_at.desc())).all()
    return [StoredAssessment(*r) for r in rows]


def own_assessment(engine: Engine, clinician: Clinician, assessment_id: str) -> StoredAssessment | None:
    """One assessment this account may see, by its full id; None for any other (the desk
    answers 404 alike for another clinician's and for no such assessment)."""
    q = stored_query().where(and_(assessments.c.id == assessment_id,
                                  visible_clients(clinician.id, clinician.administrator)))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return StoredAssessment(*row) if row else None


def pdf_of(engine: Engine, assessment_id: str, copy: str = "clinician") -> bytes | None:
    with engine.connect() as conn:
        found = latest_pdf(conn, assessment_id, copy)
    return found[0] if found else None
