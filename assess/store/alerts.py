"""Alerts: what a clinician must know of at once (a referral from an intake, an emergency
answer from a client who stopped the questionnaire). Shown first on the desk until seen, and
sent by e-mail through the clinic's mail relay when one is set (services.notify)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, and_, insert, select, update

from assess.store.records import aware, new_id, utc_now
from assess.store.tables import alerts, clients


@dataclass(frozen=True)
class Alert:
    id: str
    client_id: str | None
    client_name: str | None
    assessment_id: str | None
    emergency: bool
    summary: str
    answers: str | None
    created_at: dt.datetime
    emailed: str | None


def raise_alert(
    conn: Connection,
    clinician_id: str,
    *,
    client_id: str | None,
    assessment_id: str | None,
    emergency: bool,
    summary: str,
    answers: str | None = None,
) -> str:
    aid = new_id()
    conn.execute(
        insert(alerts).values(
            id=aid,
            clinician_id=clinician_id,
            client_id=client_id,
            assessment_id=assessment_id,
            emergency=int(emergency),
            summary=summary,
            answers=answers,
            created_at=utc_now(),
        )
    )
    return aid


def open_alerts(engine: Engine, clinician_id: str, administrator: bool = False) -> list[Alert]:
    """The alerts not yet marked seen, emergencies first, newest first within each."""
    q = (
        select(
            alerts.c.id,
            alerts.c.client_id,
            clients.c.name,
            alerts.c.assessment_id,
            alerts.c.emergency,
            alerts.c.summary,
            alerts.c.answers,
            alerts.c.created_at,
            alerts.c.emailed,
        )
        .select_from(alerts.outerjoin(clients, clients.c.id == alerts.c.client_id))
        .where(alerts.c.seen_at.is_(None))
    )
    if not administrator:
        q = q.where(alerts.c.clinician_id == clinician_id)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(alerts.c.emergency.desc(), alerts.c.created_at.desc())).all()
    return [Alert(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], aware(r[7]), r[8]) for r in rows]


def mark_seen(engine: Engine, alert_id: str, clinician_id: str, administrator: bool = False) -> bool:
    cond = alerts.c.id == alert_id
    if not administrator:
        cond = and_(cond, alerts.c.clinician_id == clinician_id)
    with engine.begin() as conn:
        done = conn.execute(
            update(alerts).where(and_(cond, alerts.c.seen_at.is_(None))).values(seen_at=utc_now())
        )
    return bool(done.rowcount)


def note_emailed(engine: Engine, alert_id: str, words: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(emailed=words))
