"""One-time intake links: a clinician makes one for a client; it opens one intake, once,
until it expires. Only the sha256 of the link's token is kept.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("intake_links", sa.Column("token_sha256", sa.String(64), primary_key=True),
                    sa.Column("clinician_id", sa.String(36), sa.ForeignKey("clinicians.id"), nullable=False,
                              index=True),
                    sa.Column("label", sa.String(120), nullable=False),
                    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
