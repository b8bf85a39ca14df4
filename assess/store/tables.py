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
    # "clinician": the full copy (appendix, answers attached); "client": what the client reads.
    Column("copy", String(10), nullable=False, server_default="clinician"),
    *_versioned("pdfs"),
)

# Who a client is beyond their name (migration 0005): a new row for each change.
client_details = Table(
    "client_details", metadata,
    Column("id", ID, primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False, index=True),
    Column("date_of_birth", Date, nullable=True),
    Column("phone", String(40), nullable=True),
    Column("email", String(200), nullable=True),
    Column("identifier_system", String(200), nullable=True),  # e.g. the NHS number's FHIR system
    Column("identifier_value", String(80), nullable=True),
    *_versioned("client_details"),
)

# The web desk's accounts and sessions (migration 0003): not clinical records, so not append-only.
clinicians = Table(
    "clinicians", metadata,
    Column("id", ID, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("name", String(120), nullable=False),  # as records are signed (`--by`): whose they are
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("role", String(20), nullable=False, server_default="clinician"),  # or "administrator"
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    # What letters and plans print of the clinician.
    Column("profession", String(120), nullable=True),
    Column("registration", String(80), nullable=True),
    Column("email", String(200), nullable=True),
)

# Which accounts may see a client: its owner, and those it was shared with. By account id.
client_access = Table(
    "client_access", metadata,
    Column("client_id", ID, ForeignKey("clients.id"), primary_key=True),
    Column("clinician_id", ID, ForeignKey("clinicians.id"), primary_key=True, index=True),
    Column("owner", Integer, nullable=False),
    Column("granted_by", ID, nullable=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
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
    Column("client_id", ID, nullable=True),  # the client record it is for (older links: a label only)
)

# A clinician sending an assessment's plan to its client: nothing reaches the client before.
releases = Table(
    "releases", metadata,
    Column("id", ID, primary_key=True),
    Column("assessment_id", ID, ForeignKey("assessments.id"), nullable=False, index=True),
    Column("clinician_id", ID, ForeignKey("clinicians.id"), nullable=False),
    Column("released_by", String(120), nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=False),
)

# A client's private link to their released plan; its token is never stored.
plan_links = Table(
    "plan_links", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=False, index=True),
    Column("created_by", ID, ForeignKey("clinicians.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# The clinic's identity as printed and its emergency number; the newest row is in force.
clinic_settings = Table(
    "clinic_settings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=True),
    Column("phone", String(40), nullable=True),
    Column("email", String(200), nullable=True),
    Column("emergency_number", String(40), nullable=False),
    Column("smtp", String(200), nullable=True),  # HOST:PORT of the clinic's mail relay
    Column("logo", LargeBinary, nullable=True),  # a PNG
    Column("set_by", String(120), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# What a clinician must know of at once: a referral, or an emergency answer in an intake.
alerts = Table(
    "alerts", metadata,
    Column("id", ID, primary_key=True),
    Column("clinician_id", ID, ForeignKey("clinicians.id"), nullable=False, index=True),
    Column("client_id", ID, ForeignKey("clients.id"), nullable=True),
    Column("assessment_id", ID, ForeignKey("assessments.id"), nullable=True),
    Column("emergency", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("answers", Text, nullable=True),  # what a client who stopped early had answered (JSON)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("emailed", Text, nullable=True),  # to whom, or why not
    Column("seen_at", DateTime(timezone=True), nullable=True),
)

# Who saw or changed what, when, from where; each row's sha256 covers the one before.
access_log = Table(
    "access_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", ID, nullable=True),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False, index=True),
    Column("client_id", ID, nullable=True, index=True),
    Column("assessment_id", ID, nullable=True),
    Column("detail", Text, nullable=False),
    Column("origin", String(80), nullable=False),
    Column("prev_sha256", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
)

access_log_head = Table(
    "access_log_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("writes", Integer, nullable=False),
)

APPEND_ONLY = ("clients", "visits", "intakes", "assessments", "pdfs", "client_details", "releases",
               "clinic_settings", "access_log")
