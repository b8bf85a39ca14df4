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

# The web desk's accounts and sessions (migration 0003): not clinical records, so not append-only.
clinicians = Table(
    "clinicians", metadata,
    Column("id", ID, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("name", String(120), nullable=False),  # as records are signed (`--by`): whose they are
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_sha256", String(64), primary_key=True),  # the cookie's token is never stored
    Column("clinician_id", ID, ForeignKey("clinicians.id"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

sign_in_attempts = Table(
    "sign_in_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Integer, nullable=False),
)

intake_links = Table(
    "intake_links", metadata,
    Column("token_sha256", String(64), primary_key=True),  # the link's token is never stored
    Column("clinician_id", ID, ForeignKey("clinicians.id"), nullable=False, index=True),
    Column("label", String(120), nullable=False),  # whom the clinician made it for
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

APPEND_ONLY = ("clients", "visits", "intakes", "assessments", "pdfs")
