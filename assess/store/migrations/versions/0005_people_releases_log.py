"""Clients as records and accounts with roles; plans released by a clinician; the clinic's
identity; alerts; the access log.

- clients get their details (date of birth, phone, e-mail, an identifier) in client_details,
  append-only like the client itself: a changed phone number is a new version;
- access to a client is by account id (client_access), never by the name records are signed
  with; each existing client is given to the account whose name signed its records (the
  oldest such account, should two share a name), so nothing is lost and nothing is shared;
- accounts gain a role, a disabled time, and what letters print of them (profession,
  registration number, e-mail);
- releases (append-only) record which assessment a clinician sent to the client; plan_links
  open the released plan (only their token's sha256 is kept);
- pdfs say which copy they are (the clinician's, or the client's with no appendix);
- clinic_settings keep the clinic's identity, append-only (the newest row is in force);
- alerts tell a clinician of a referral or an emergency answer;
- access_log records who saw or changed what, each row chained to the one before by sha256.

Revision ID: 0005
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY = ("client_details", "releases", "clinic_settings", "access_log")
ID = sa.String(36)


def _versioned(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("supersedes", ID, sa.ForeignKey(f"{table}.id"), nullable=True, index=True),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _tables() -> None:
    op.create_table(
        "client_details",
        sa.Column("id", ID, primary_key=True),
        sa.Column("client_id", ID, sa.ForeignKey("clients.id"), nullable=False, index=True),
        sa.Column("date_of_birth", sa.Date, nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("identifier_system", sa.String(200), nullable=True),
        sa.Column("identifier_value", sa.String(80), nullable=True),
        *_versioned("client_details"),
    )
    op.create_index("uq_client_details_supersedes", "client_details", ["supersedes"], unique=True)
    op.create_table(
        "client_access",
        sa.Column("client_id", ID, sa.ForeignKey("clients.id"), primary_key=True),
        sa.Column("clinician_id", ID, sa.ForeignKey("clinicians.id"), primary_key=True, index=True),
        sa.Column("owner", sa.Integer, nullable=False),
        sa.Column("granted_by", ID, nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "releases",
        sa.Column("id", ID, primary_key=True),
        sa.Column("assessment_id", ID, sa.ForeignKey("assessments.id"), nullable=False, index=True),
        sa.Column("clinician_id", ID, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("released_by", sa.String(120), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "plan_links",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("client_id", ID, sa.ForeignKey("clients.id"), nullable=False, index=True),
        sa.Column("created_by", ID, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text, nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("emergency_number", sa.String(40), nullable=False),
        sa.Column("smtp", sa.String(200), nullable=True),
        sa.Column("logo", sa.LargeBinary, nullable=True),
        sa.Column("set_by", sa.String(120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("clinician_id", ID, sa.ForeignKey("clinicians.id"), nullable=False, index=True),
        sa.Column("client_id", ID, sa.ForeignKey("clients.id"), nullable=True),
        sa.Column("assessment_id", ID, sa.ForeignKey("assessments.id"), nullable=True),
        sa.Column("emergency", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("answers", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emailed", sa.Text, nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False, index=True),
        sa.Column("client_id", ID, nullable=True, index=True),
        sa.Column("assessment_id", ID, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("origin", sa.String(80), nullable=False),
        sa.Column("prev_sha256", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    # One row, updated by every log write first: the writes queue on its lock, so each new row
    # is chained to the row really before it (on SQLite and PostgreSQL alike).
    op.create_table(
        "access_log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("writes", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO access_log_head (id, writes) VALUES (1, 0)")


def _columns() -> None:
    op.add_column("clinicians", sa.Column("role", sa.String(20), nullable=False, server_default="clinician"))
    op.add_column("clinicians", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("clinicians", sa.Column("profession", sa.String(120), nullable=True))
    op.add_column("clinicians", sa.Column("registration", sa.String(80), nullable=True))
    op.add_column("clinicians", sa.Column("email", sa.String(200), nullable=True))
    op.add_column("intake_links", sa.Column("client_id", ID, nullable=True))
    op.add_column("pdfs", sa.Column("copy", sa.String(10), nullable=False, server_default="clinician"))


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:  # assess_append_only() is migration 0001's
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION assess_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION assess_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'assess: {table} is append-only; "
                "record a correction instead'); END"
            )


def _owners() -> None:
    """Each existing client to the oldest account whose name signed its client row or any of
    its assessments: what the desk showed that account before, now held by its id."""
    bind = op.get_bind()
    accounts = bind.execute(sa.text("SELECT id, name FROM clinicians ORDER BY created_at, id")).all()
    by_name: dict[str, str] = {}
    for cid, name in accounts:
        by_name.setdefault(name, cid)
    signed = bind.execute(
        sa.text(
            "SELECT c.id, c.recorded_by FROM clients c UNION "
            "SELECT v.client_id, a.recorded_by FROM assessments a JOIN visits v ON v.id = a.visit_id"
        )
    ).all()
    now = dt.datetime.now(dt.UTC)
    given: set[tuple[str, str]] = set()
    for client_id, name in signed:
        account = by_name.get(name)
        if account and (client_id, account) not in given:
            given.add((client_id, account))
            bind.execute(
                sa.text(
                    "INSERT INTO client_access (client_id, clinician_id, owner, granted_by, "
                    "granted_at) VALUES (:c, :a, 1, NULL, :t)"
                ),
                {"c": client_id, "a": account, "t": now},
            )


def upgrade() -> None:
    _tables()
    _columns()
    _append_only()
    _owners()


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
