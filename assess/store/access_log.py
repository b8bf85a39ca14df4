"""The access log: every sign-in (and failed one), sign-out, view, download, change and release,
with who, what, when and from where. Append-only (the database refuses changes), and each row
carries the sha256 of its own fields and of the row before it, so a row changed or removed
behind the database's back breaks the chain at that row (`verify`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from assess.store.records import aware, utc_now
from assess.store.tables import access_log, access_log_head

GENESIS = "0" * 64  # what the first row is chained to


@dataclass(frozen=True)
class Entry:
    id: int
    at: dt.datetime
    actor_id: str | None
    actor: str
    action: str
    client_id: str | None
    assessment_id: str | None
    detail: str
    origin: str
    prev_sha256: str
    sha256: str

    def digest(self) -> str:
        fields = [
            self.id,
            self.at.astimezone(dt.UTC).isoformat(),
            self.actor_id,
            self.actor,
            self.action,
            self.client_id,
            self.assessment_id,
            self.detail,
            self.origin,
            self.prev_sha256,
        ]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def record(engine: Engine, action: str, **fields: Any) -> None:
    """Add one entry, in its own transaction, chained to the entry before it (the fields of
    `record_in`)."""
    with engine.begin() as conn:
        record_in(conn, action, **fields)


def record_in(
    conn: Connection,
    action: str,
    *,
    actor: str,
    actor_id: str | None = None,
    client_id: str | None = None,
    assessment_id: str | None = None,
    detail: str = "",
    origin: str = "command line",
) -> None:
    """Add one entry within the caller's transaction: it lands with what it records, or not at all."""
    # The head row's update takes the write lock, so concurrent writers queue here and each
    # reads the true last row.
    writes = conn.execute(
        update(access_log_head)
        .where(access_log_head.c.id == 1)
        .values(writes=access_log_head.c.writes + 1)
        .returning(access_log_head.c.writes)
    ).scalar_one()
    last = conn.execute(select(access_log.c.sha256).order_by(access_log.c.id.desc()).limit(1)).scalar()
    # Microseconds kept: both back ends store them, and the digest reads them back the same.
    entry = Entry(
        int(writes),
        utc_now(),
        actor_id,
        actor[:120],
        action,
        client_id,
        assessment_id,
        detail,
        origin[:80],
        last or GENESIS,
        "",
    )
    conn.execute(
        insert(access_log).values(
            id=entry.id,
            at=entry.at,
            actor_id=actor_id,
            actor=entry.actor,
            action=action,
            client_id=client_id,
            assessment_id=assessment_id,
            detail=detail,
            origin=entry.origin,
            prev_sha256=entry.prev_sha256,
            sha256=entry.digest(),
        )
    )


def _entry(row: object) -> Entry:
    r = row._mapping  # type: ignore[attr-defined]
    return Entry(
        r["id"],
        aware(r["at"]),
        r["actor_id"],
        r["actor"],
        r["action"],
        r["client_id"],
        r["assessment_id"],
        r["detail"],
        r["origin"],
        r["prev_sha256"],
        r["sha256"],
    )


def entries(engine: Engine, *, client_id: str | None = None, limit: int | None = None) -> list[Entry]:
    """Newest first; of one client's record when asked."""
    q = select(access_log)
    if client_id:
        q = q.where(access_log.c.client_id == client_id)
    q = q.order_by(access_log.c.id.desc())
    if limit:
        q = q.limit(limit)
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(q)]


def verify(engine: Engine) -> tuple[int, str | None]:
    """(entries checked, None) when the chain holds; else the first break in words."""
    prev, expected_id, n = GENESIS, None, 0
    with engine.connect() as conn:
        head = conn.execute(select(access_log_head.c.writes).where(access_log_head.c.id == 1)).scalar_one()
        for row in conn.execute(select(access_log).order_by(access_log.c.id)):
            e = _entry(row)
            n += 1
            if expected_id is not None and e.id != expected_id:
                return n, f"entry {expected_id} is missing (the next is {e.id})"
            if e.prev_sha256 != prev:
                return (
                    n,
                    f"entry {e.id} does not follow the entry before it (an entry was removed or changed)",
                )
            if e.digest() != e.sha256:
                return (
                    n,
                    f"entry {e.id} was changed after it was written "
                    f"({e.action} by {e.actor} at {e.at:%Y-%m-%d %H:%M})",
                )
            prev, expected_id = e.sha256, e.id + 1
    if n and expected_id is not None and expected_id - 1 != head:
        return n, f"the last {head - (expected_id - 1)} entries are missing"
    if not n and head:
        return n, f"all {head} entries are missing"
    return n, None
