"""Clients as records: who a client is (name, date of birth, how to reach them, an identifier
such as an NHS number), which accounts may see them, and finding the one an intake is about
without ever guessing from a typed name."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, and_, insert, or_, select

from assess.domain.errors import UsageError
from assess.store.records import new_id, utc_now
from assess.store.tables import client_access, client_details, clients

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"  # the NHS number's FHIR identifier system
IDENTIFIER_SYSTEMS = {"nhs": ("NHS number", NHS_NUMBER)}
OLDEST_AGE = 120  # design choice: a date of birth further back is a typing error
PHONE = re.compile(r"\+?[\d ()-]{6,40}")  # digits, spaces, brackets and dashes
EMAIL = re.compile(r"[^@\s]{1,100}@[^@\s]{1,96}\.[^@\s]{1,40}")  # within the store's 200 characters


@dataclass(frozen=True)
class ClientRecord:
    id: str
    name: str
    date_of_birth: dt.date | None = None
    phone: str | None = None
    email: str | None = None
    identifier_system: str | None = None
    identifier_value: str | None = None

    def age_on(self, day: dt.date) -> int | None:
        born = self.date_of_birth
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def identifier_label(self) -> str:
        for label, system in IDENTIFIER_SYSTEMS.values():
            if system == self.identifier_system:
                return label
        return self.identifier_system or ""

    def described(self) -> str:
        """One line to tell two clients apart: name, date of birth, id."""
        born = f"born {self.date_of_birth:%d %b %Y}" if self.date_of_birth else "date of birth not recorded"
        return f"{self.name} ({born}; id {self.id[:8]})"


def nhs_number_ok(value: str) -> bool:
    """An NHS number's check digit (modulus 11, NHS Data Dictionary)."""
    digits = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@dataclass(frozen=True)
class NewClient:
    """A client as a clinician enters them; `problems()` names each wrong field."""

    name: str
    date_of_birth: str = ""
    phone: str = ""
    email: str = ""
    identifier_kind: str = ""  # a key of IDENTIFIER_SYSTEMS, or "" for none
    identifier_value: str = ""
    need_contact: bool = True  # a client sent an intake link must be reachable

    def problems(self, today: dt.date) -> dict[str, str]:
        out: dict[str, str] = {}
        if not " ".join(self.name.split()):
            out["name"] = "Enter the client's name."
        elif len(self.name) > 200:
            out["name"] = "The name is longer than 200 characters."
        born = self.born()
        if self.date_of_birth.strip() and born is None:
            out["date_of_birth"] = "Enter the date of birth as YYYY-MM-DD, for example 1961-04-23."
        elif born is not None and born > today:
            out["date_of_birth"] = "The date of birth is after today."
        elif born is not None and born.year < today.year - OLDEST_AGE:
            out["date_of_birth"] = f"The date of birth is more than {OLDEST_AGE} years ago."
        elif born is None and self.need_contact:
            out["date_of_birth"] = "Enter the date of birth: the client confirms it before answering."
        if self.phone.strip() and not PHONE.fullmatch(self.phone.strip()):
            out["phone"] = "Enter a telephone number of digits, spaces, brackets and dashes."
        if self.email.strip() and not EMAIL.fullmatch(self.email.strip()):
            out["email"] = "Enter an e-mail address such as name@example.org."
        if self.need_contact and not self.phone.strip() and not self.email.strip():
            out["phone"] = (
                "Enter a telephone number or an e-mail address, so the clinic can reach the client."
            )
        if self.identifier_kind and self.identifier_kind not in IDENTIFIER_SYSTEMS:
            out["identifier_value"] = "Choose the kind of identifier from the list."
        elif self.identifier_kind == "nhs" and not nhs_number_ok(self.identifier_value):
            out["identifier_value"] = "This is not a valid NHS number (10 digits with a check digit)."
        elif self.identifier_value.strip() and not self.identifier_kind:
            out["identifier_value"] = "Say what kind of identifier this is."
        return out

    def born(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.date_of_birth.strip()) if self.date_of_birth.strip() else None
        except ValueError:
            return None


def add_client(conn: Connection, new: NewClient, *, by: str, owner_id: str | None) -> ClientRecord:
    """Record a new client (refused, naming each field, when `new` has problems) and give it to
    the account `owner_id`."""
    problems = new.problems(dt.date.today())
    if problems:
        raise UsageError("; ".join(f"{k}: {v}" for k, v in problems.items()))
    now = utc_now()
    stamp = {"recorded_by": by, "recorded_at": now}
    cid = new_id()
    name = " ".join(new.name.split())
    conn.execute(insert(clients).values(id=cid, name=name, **stamp))
    kind = IDENTIFIER_SYSTEMS.get(new.identifier_kind)
    record = ClientRecord(
        cid,
        name,
        new.born(),
        new.phone.strip() or None,
        new.email.strip() or None,
        kind[1] if kind else None,
        re.sub(r"\s", "", new.identifier_value) if kind else None,
    )
    conn.execute(
        insert(client_details).values(
            id=new_id(),
            client_id=cid,
            date_of_birth=record.date_of_birth,
            phone=record.phone,
            email=record.email,
            identifier_system=record.identifier_system,
            identifier_value=record.identifier_value,
            **stamp,
        )
    )
    if owner_id:
        grant(conn, cid, owner_id, owner=True, by=None)
    return record


def grant(conn: Connection, client_id: str, clinician_id: str, *, owner: bool, by: str | None) -> None:
    found = conn.execute(
        select(client_access.c.client_id).where(
            and_(client_access.c.client_id == client_id, client_access.c.clinician_id == clinician_id)
        )
    ).first()
    if found is None:
        conn.execute(
            insert(client_access).values(
                client_id=client_id,
                clinician_id=clinician_id,
                owner=int(owner),
                granted_by=by,
                granted_at=utc_now(),
            )
        )


def _current_details() -> ColumnElement[bool]:
    newer = client_details.alias("newer")
    return ~select(newer.c.id).where(newer.c.supersedes == client_details.c.id).exists()


def _records(conn: Connection, where: ColumnElement[bool]) -> list[ClientRecord]:
    q = (
        select(
            clients.c.id,
            clients.c.name,
            client_details.c.date_of_birth,
            client_details.c.phone,
            client_details.c.email,
            client_details.c.identifier_system,
            client_details.c.identifier_value,
        )
        .select_from(
            clients.outerjoin(
                client_details, and_(client_details.c.client_id == clients.c.id, _current_details())
            )
        )
        .where(where)
        .order_by(clients.c.name, clients.c.id)
    )
    return [ClientRecord(*row) for row in conn.execute(q)]


def client_record(conn: Connection, client_id: str) -> ClientRecord | None:
    found = _records(conn, clients.c.id == client_id)
    return found[0] if found else None


def named(conn: Connection, name: str) -> list[ClientRecord]:
    return _records(conn, clients.c.name == " ".join(name.split()))


def may_see(conn: Connection, clinician_id: str, administrator: bool, client_id: str) -> bool:
    if administrator:
        return True
    return (
        conn.execute(
            select(client_access.c.client_id).where(
                and_(client_access.c.client_id == client_id, client_access.c.clinician_id == clinician_id)
            )
        ).first()
        is not None
    )


def visible_clients(clinician_id: str, administrator: bool) -> ColumnElement[bool]:
    """The condition on clients.c.id that an account may see: all for an administrator; else
    those it owns or that were shared with it."""
    if administrator:
        return clients.c.id.is_not(None)
    return clients.c.id.in_(
        select(client_access.c.client_id).where(client_access.c.clinician_id == clinician_id)
    )


def clients_for(
    engine: Engine, clinician_id: str, administrator: bool, search: str = ""
) -> list[ClientRecord]:
    where = visible_clients(clinician_id, administrator)
    if search.strip():
        like = f"%{search.strip()}%"
        where = and_(
            where, or_(clients.c.name.ilike(like, escape="\\"), clients.c.id.startswith(search.strip()))
        )
    with engine.connect() as conn:
        return _records(conn, where)


def could_be(conn: Connection, name: str, born: dt.date | None) -> list[ClientRecord]:
    """The stored clients an intake of this name (and date of birth, if known) could be about:
    a new client is made only when there are none. Nothing is matched by name: the same name
    and date of birth could still be two people, so these are listed, never chosen."""
    return [c for c in named(conn, name)
            if c.date_of_birth is None or born is None or c.date_of_birth == born]


def owner_of(engine: Engine, client_id: str) -> str | None:
    """The account that owns the client (the first given it), or None."""
    with engine.connect() as conn:
        found = conn.execute(
            select(client_access.c.clinician_id)
            .where(and_(client_access.c.client_id == client_id, client_access.c.owner == 1))
            .order_by(client_access.c.granted_at)
            .limit(1)
        ).scalar()
    return str(found) if found else None


def shared_with(engine: Engine, client_id: str) -> list[tuple[str, bool]]:
    """(account id, owner) of every account given the client."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(client_access.c.clinician_id, client_access.c.owner)
            .where(client_access.c.client_id == client_id)
            .order_by(client_access.c.granted_at)
        ).all()
    return [(str(r[0]), bool(r[1])) for r in rows]


def withdraw(conn: Connection, client_id: str, clinician_id: str) -> bool:
    """End an account's shared access to a client (never the owner's); False when it had none."""
    from sqlalchemy import delete

    done = conn.execute(delete(client_access).where(and_(
        client_access.c.client_id == client_id, client_access.c.clinician_id == clinician_id,
        client_access.c.owner == 0)))
    return bool(done.rowcount)
