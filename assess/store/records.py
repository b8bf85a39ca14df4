"""Writing and reading the store's records. Every save is one transaction (client, visit,
intake, assessment and PDF land together or not at all); nothing is updated or deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, Table, and_, func, select

from assess.domain.assessment import Assessment
from assess.domain.errors import UsageError
from assess.services.render import Rendered
from assess.store.tables import assessments, clients, intakes, pdfs, visits


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Saved:
    client_id: str
    client_name: str
    visit_id: str
    assessment_id: str
    new_client: bool


def _client_for(conn: Connection, name: str, client_id: str | None, *, born: dt.date | None = None,
                always_new: bool = False) -> tuple[str, bool]:
    """The client an assessment belongs to: the one named by id, else a new client. A new
    client is made only when no one of that name could be them (the same name with another
    date of birth is someone else); otherwise the save is refused, listing the candidates.
    `always_new`: an intake sent in through an old link made for a typed name, never matched."""
    from assess.store.people import could_be

    if client_id:
        return resolve_client(conn, client_id), False
    if always_new:
        return new_id(), True
    candidates = could_be(conn, name, born)
    if not candidates:
        return new_id(), True
    listed = "; ".join(c.described() for c in candidates[:5])
    more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
    raise UsageError(f"the store already holds a client named {name!r}: {listed}{more}. Say which with "
                     "--client ID, or give --born YYYY-MM-DD when this is someone else")


def signer(conn: Connection, by: str) -> tuple[str, str | None]:
    """Who signs a record given as `--by`: an account's username gives that account's name and
    id (the record is then the account's); any other text signs as it is, with no account."""
    from assess.store.tables import clinicians

    row = conn.execute(select(clinicians.c.id, clinicians.c.name).where(clinicians.c.username == by)).first()
    return (str(row.name), str(row.id)) if row else (by, None)


def save_assessment(engine: Engine, a: Assessment, *, json_bytes: bytes, pdf: bytes | None,
                    recorded_by: str, client_id: str | None = None, born: dt.date | None = None) -> Saved:
    """Store one assessment with its intake and PDF, in one transaction. `recorded_by` that is
    an account's username signs with that account's name, and a new client is that account's."""
    with engine.begin() as conn:
        by, account = signer(conn, recorded_by)
        return save_in(conn, a, json_bytes=json_bytes, pdf=pdf, recorded_by=by, client_id=client_id,
                       born=born, owner_id=account)


def save_in(conn: Connection, a: Assessment, *, json_bytes: bytes, pdf: bytes | None, recorded_by: str,
            client_id: str | None = None, always_new: bool = False, born: dt.date | None = None,
            owner_id: str | None = None) -> Saved:
    """Store one assessment within the caller's transaction `conn` (its PDF too, unless it is
    rendered later: `add_pdf`). The account `owner_id` is given access to the client."""
    from assess.store.people import grant
    from assess.store.tables import client_details

    now = utc_now()
    stamp = {"recorded_by": recorded_by, "recorded_at": now}
    cid, new = _client_for(conn, a.client.name, client_id, born=born, always_new=always_new)
    if new:
        conn.execute(clients.insert().values(id=cid, name=a.client.name, **stamp))
        if born is not None:
            conn.execute(client_details.insert().values(id=new_id(), client_id=cid, date_of_birth=born,
                                                        **stamp))
    if owner_id:
        grant(conn, cid, owner_id, owner=new, by=None)
    visit_id, intake_id, assessment_id = new_id(), new_id(), new_id()
    conn.execute(visits.insert().values(id=visit_id, client_id=cid, visit_date=a.assessed_on, **stamp))
    intake_json = json.dumps(a.intake.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    conn.execute(intakes.insert().values(id=intake_id, visit_id=visit_id, document=intake_json,
                                         sha256=sha256_of(intake_json.encode()), **stamp))
    ruleset = a.identity.ruleset
    conn.execute(assessments.insert().values(
        id=assessment_id, visit_id=visit_id, intake_id=intake_id,
        document=json_bytes.decode("utf-8"), sha256=sha256_of(json_bytes),
        ruleset_name=ruleset.name, ruleset_version=ruleset.version, ruleset_sha256=ruleset.sha256,
        referral=int(a.plan.referral), **stamp))
    if pdf is not None:
        conn.execute(pdfs.insert().values(id=new_id(), assessment_id=assessment_id, content=pdf,
                                          sha256=sha256_of(pdf), **stamp))
    name = conn.execute(select(clients.c.name).where(clients.c.id == cid)).scalar_one()
    return Saved(cid, name, visit_id, assessment_id, new)


def add_pdf(engine: Engine, assessment_id: str, pdf: bytes, recorded_by: str,
            copy: str = "clinician") -> None:
    """Keep the PDF of a stored assessment that was saved before it was rendered (`copy`:
    "clinician", the full copy, or "client", the one handed over)."""
    with engine.begin() as conn:
        conn.execute(pdfs.insert().values(id=new_id(), assessment_id=assessment_id, content=pdf,
                                          sha256=sha256_of(pdf), recorded_by=recorded_by,
                                          recorded_at=utc_now(), copy=copy))


def _by_prefix(conn: Connection, table: Table, key: str, what: str) -> str:
    column = table.c.id
    if len(key) < 4:
        raise UsageError(f"{what} {key!r}: give at least 4 characters of the id")
    # autoescape: a % or _ typed by the user is a character, not a wildcard.
    found = conn.execute(select(column).where(column.startswith(key.lower(), autoescape=True))
                         .limit(2)).scalars().all()
    if len(found) > 1:
        raise UsageError(f"{what} {key!r} matches several; give more of the id")
    if not found:
        raise UsageError(f"no {what} with id {key!r}")
    return str(found[0])


def resolve_client(conn: Connection, key: str) -> str:
    """A client by name (exactly, when one client has it) or by id or its first characters."""
    named = conn.execute(select(clients.c.id).where(clients.c.name == key)).scalars().all()
    if len(named) == 1:
        return str(named[0])
    if len(named) > 1:
        raise UsageError(f"{len(named)} clients are named {key!r}; give the id (assess clients)")
    return _by_prefix(conn, clients, key, "client")


def resolve_assessment(conn: Connection, key: str) -> str:
    return _by_prefix(conn, assessments, key, "assessment")


@dataclass(frozen=True)
class ClientRow:
    id: str
    name: str
    visits: int
    last_visit: dt.date | None
    date_of_birth: dt.date | None = None


def list_clients(engine: Engine) -> list[ClientRow]:
    """Every client with their number of visits, the last one, and the date of birth on record
    (what tells two clients of one name apart)."""
    from assess.store.people import client_record

    newer = visits.alias("newer")
    current = ~select(newer.c.id).where(newer.c.supersedes == visits.c.id).exists()  # not a replaced date
    q = (select(clients.c.id, clients.c.name, func.count(visits.c.id), func.max(visits.c.visit_date))
         .select_from(clients.outerjoin(visits, and_(visits.c.client_id == clients.c.id, current)))
         .group_by(clients.c.id, clients.c.name).order_by(clients.c.name, clients.c.id))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        born = {r[0]: (found.date_of_birth if (found := client_record(conn, r[0])) else None) for r in rows}
    return [ClientRow(r[0], r[1], r[2], r[3], born[r[0]]) for r in rows]


@dataclass(frozen=True)
class StoredAssessment:
    id: str
    client_id: str
    client_name: str
    visit_date: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    document: str
    sha256: str
    supersedes: str | None

    def assessment(self) -> Assessment:
        return Assessment.model_validate_json(self.document)


def current_only() -> ColumnElement[bool]:
    """Assessments that no later version supersedes."""
    newer = assessments.alias("newer")
    return ~select(newer.c.id).where(newer.c.supersedes == assessments.c.id).exists()


def stored_query() -> Select[Any]:
    return (select(assessments.c.id, visits.c.client_id, clients.c.name, visits.c.visit_date,
                   assessments.c.recorded_at, assessments.c.recorded_by, assessments.c.document,
                   assessments.c.sha256, assessments.c.supersedes)
            .join(visits, visits.c.id == assessments.c.visit_id)
            .join(clients, clients.c.id == visits.c.client_id))


def history(engine: Engine, client_key: str) -> tuple[str, list[StoredAssessment]]:
    """A client's current assessments, oldest visit first."""
    with engine.connect() as conn:
        cid = resolve_client(conn, client_key)
        q = stored_query().where(and_(visits.c.client_id == cid, current_only()))
        rows = conn.execute(q.order_by(visits.c.visit_date, assessments.c.recorded_at)).all()
        name = conn.execute(select(clients.c.name).where(clients.c.id == cid)).scalar_one()
    return name, [StoredAssessment(*r) for r in rows]


def latest_pdf(conn: Connection, assessment_id: str, copy: str = "clinician") -> tuple[bytes, str] | None:
    """An assessment's PDF bytes and their recorded sha256 (the newest of that copy, should
    there be several)."""
    row = conn.execute(select(pdfs.c.content, pdfs.c.sha256).where(and_(pdfs.c.assessment_id == assessment_id,
                                                                        pdfs.c.copy == copy))
                       .order_by(pdfs.c.recorded_at.desc())).first()
    return (bytes(row[0]), str(row[1])) if row else None


def aware(when: dt.datetime) -> dt.datetime:
    """A stored time as UTC-aware: SQLite hands back naive UTC, PostgreSQL aware times."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def get_assessment(engine: Engine, key: str) -> tuple[StoredAssessment, bytes, str]:
    """One assessment with its PDF bytes and the PDF's recorded sha256."""
    with engine.connect() as conn:
        aid = resolve_assessment(conn, key)
        row = conn.execute(stored_query().where(assessments.c.id == aid)).one()
        pdf = latest_pdf(conn, aid)
    if pdf is None:
        raise UsageError(f"assessment {aid} has no PDF in the store")
    return StoredAssessment(*row), *pdf


def _window(engine: Engine, q: Select[Any], client: str | None, since: dt.date | None,
            until: dt.date | None) -> Select[Any]:
    """Current assessments only, of one client and between two visit dates when asked."""
    with engine.connect() as conn:
        cid = resolve_client(conn, client) if client else None
    q = q.join(visits, visits.c.id == assessments.c.visit_id).where(current_only())
    if cid:
        q = q.where(visits.c.client_id == cid)
    if since:
        q = q.where(visits.c.visit_date >= since)
    if until:
        q = q.where(visits.c.visit_date <= until)
    return q


def count_stored(engine: Engine, *, client: str | None = None, since: dt.date | None = None,
                 until: dt.date | None = None) -> int:
    q = _window(engine, select(func.count()).select_from(assessments), client, since, until)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def stored_intakes(engine: Engine, *, client: str | None = None, since: dt.date | None = None,
                   until: dt.date | None = None, batch: int = 200) -> Iterator[tuple[str, str, str]]:
    """(assessment id, intake JSON, assessment JSON) of every current assessment, streamed in
    pages by id so that memory stays flat however large the store."""
    q = _window(engine, select(assessments.c.id, intakes.c.document, assessments.c.document)
                .join(intakes, intakes.c.id == assessments.c.intake_id), client, since, until)
    last = ""
    while True:
        with engine.connect() as conn:
            page = q.where(assessments.c.id > last).order_by(assessments.c.id).limit(batch)
            rows = conn.execute(page).all()
        if not rows:
            return
        yield from ((r[0], r[1], r[2]) for r in rows)
        last = rows[-1][0]


def earlier_documents(url: str, assessment_id: str) -> list[str]:
    """The assessment JSON of the client's current visits before this assessment, oldest
    first: what a review was assessed against. Opens the store by URL, so that `impact`'s
    worker processes can call it."""
    from assess.store.database import open_store

    with open_store(url).connect() as conn:
        row = conn.execute(select(visits.c.client_id).join(assessments, assessments.c.visit_id == visits.c.id)
                           .where(assessments.c.id == assessment_id)).one()
        q = (select(assessments.c.id, assessments.c.document)
             .join(visits, visits.c.id == assessments.c.visit_id)
             .where(and_(visits.c.client_id == row[0], current_only()))
             .order_by(visits.c.visit_date, assessments.c.recorded_at))
        docs = conn.execute(q).all()
    ids = [d[0] for d in docs]
    return [d[1] for d in docs[: ids.index(assessment_id)]] if assessment_id in ids else []


def recorder(given: str | None, clinician: str | None = None) -> str:
    """Who a stored record is by: as given (--by), the intake's clinician, $ASSESS_USER, or
    the login name."""
    import getpass
    import os

    return given or clinician or os.environ.get("ASSESS_USER") or getpass.getuser()


def keep_rendered(url: str, by: str | None, done: Rendered, client_id: str | None = None,
                  born: dt.date | None = None) -> str:
    """Save what `assess run` or a batch worker rendered; the words say where it went."""
    from assess.store.access_log import record
    from assess.store.database import open_store

    engine = open_store(url)
    who = recorder(by, done.assessment.clinician)
    saved = save_assessment(engine, done.assessment, json_bytes=done.json_bytes, pdf=done.pdf,
                            recorded_by=who, client_id=client_id, born=born)
    record(engine, "saved an assessment", actor=f"{who} (command line)", client_id=saved.client_id,
           assessment_id=saved.assessment_id)
    return f"saved as assessment {saved.assessment_id[:8]}" + (" (new client)" if saved.new_client else "")
