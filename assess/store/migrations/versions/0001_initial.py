"""The first store: clients, visits, intakes, assessments and PDFs, append-only.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("clients", "visits", "intakes", "assessments", "pdfs")


def _versioned(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("supersedes", sa.String(36), sa.ForeignKey(f"{table}.id"), nullable=True, index=True),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table("clients", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("name", sa.String(200), nullable=False, index=True), *_versioned("clients"))
    op.create_table("visits", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("client_id", sa.String(36), sa.ForeignKey("clients.id"), nullable=False,
                              index=True),
                    sa.Column("visit_date", sa.Date, nullable=False, index=True), *_versioned("visits"))
    op.create_table("intakes", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), nullable=False,
                              index=True),
                    sa.Column("document", sa.Text, nullable=False),
                    sa.Column("sha256", sa.String(64), nullable=False), *_versioned("intakes"))
    op.create_table("assessments", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("visit_id", sa.String(36), sa.ForeignKey("visits.id"), nullable=False,
                              index=True),
                    sa.Column("intake_id", sa.String(36), sa.ForeignKey("intakes.id"), nullable=False),
                    sa.Column("document", sa.Text, nullable=False),
                    sa.Column("sha256", sa.String(64), nullable=False),
                    sa.Column("ruleset_name", sa.String(120), nullable=False),
                    sa.Column("ruleset_version", sa.String(40), nullable=False),
                    sa.Column("ruleset_sha256", sa.String(64), nullable=False),
                    sa.Column("referral", sa.Integer, nullable=False), *_versioned("assessments"))
    op.create_table("pdfs", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"),
                              nullable=False, index=True),
                    sa.Column("content", sa.LargeBinary, nullable=False),
                    sa.Column("sha256", sa.String(64), nullable=False), *_versioned("pdfs"))
    # Append-only, enforced by the database itself so that no client (ours or another) can
    # change or remove a record: a correction is a new row.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION assess_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'assess: % is append-only; record a correction instead', TG_TABLE_NAME
                    USING ERRCODE = 'raise_exception';
            END $$""")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION assess_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION assess_append_only()")
    else:
        for table in TABLES:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'assess: {table} is append-only; "
                           "record a correction instead'); END")


def downgrade() -> None:
    raise NotImplementedError("the store is append-only; it is never downgraded")
