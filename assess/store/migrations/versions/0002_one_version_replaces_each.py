"""A record is corrected at most once: each version is superseded by one later version, so
that two clinicians correcting the same assessment at once cannot leave two current ones
(the second correction's transaction fails and nothing of it is kept).

Revision ID: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("clients", "visits", "intakes", "assessments", "pdfs")


def upgrade() -> None:
    # NULLs are distinct in a unique index on both back ends: first versions are not limited.
    for table in TABLES:
        op.create_index(f"uq_{table}_supersedes", table, ["supersedes"], unique=True)


def downgrade() -> None:
    raise NotImplementedError("the store is append-only; it is never downgraded")
