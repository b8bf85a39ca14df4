"""The store's tables. Every record table is append-only: rows are inserted, never updated or
deleted (triggers refuse both on SQLite and PostgreSQL). A correction is a new row whose
`supersedes` names the row it replaces, with who made it and why."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Ids are UUIDs written as text: they do not collide across machines, and read the same on
# both back ends.
ID = String(36)


def _versioned(name: str) -> list[Column[object] | Index]:
    return [
        Column("supersedes", ID, ForeignKey(f"{name}.id"), nullable=True, index=True),
        Column("recorded_by", String(120), nullable=False),
        Column("reason", Text, nullable=True),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        # Each version is replaced at most once (migration 0002): no two current versions.
        Index(f"uq_{name}_supersedes", "supersedes", unique=True),
    ]


clients = Table(
    "clients", metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, index=True),
    *_versioned("clients"),
)

visits = Table(
    "visits", metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False, index=True),
    Column("visit_date", Date, nullable=False, index=True),
    *_versioned("visits"),
)

intakes = Table(
    "intakes", metadata,
    Column("id", ID, primary_key=True),
    Column("visit_id", ID, ForeignKey("visits.id"), nullable=False, index=True),
    Column("document", Text, nullable=False),  # the validated intake as JSON
    Column("sha256", String(64), nullable=False),
    *_versioned("intakes"),
)

assessments = Table(
    "assessments", metadata,
    Column("id", ID, primary_key=True),
    Column("visit_id", ID, ForeignKey("visits.id"), nullable=False, index=True),
    Column("intake_id", ID, ForeignKey("intakes.id"), nullable=False),
    Column("document", Text, nullable=False),  # the assessment JSON, exactly as written
    Column("sha256", String(64), nullable=False),
    Column("ruleset_name", String(120), nullable=False),
    Column("ruleset_version", String(40), nullable=False),
    Column("ruleset_sha256", String(64), nullable=False),
    Column("referral", Integer, nullable=False),  # 1 when the plan is a referral
    *_versioned("assessments"),
)

pdfs = Table(
    "pdfs", metadata,
    Column("id", ID, primary_key=True),
    Column("assessment_id", ID, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    *_versioned("pdfs"),
)

APPEND_ONLY = ("clients", "visits", "intakes", "assessments", "pdfs")
