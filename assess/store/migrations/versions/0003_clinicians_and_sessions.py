"""Clinician accounts for the web desk, their signed-in sessions and sign-in attempts. These
are not clinical records: a session ends (its row is deleted) and a password can be changed.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("clinicians", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("username", sa.String(80), nullable=False, unique=True),
                    sa.Column("name", sa.String(120), nullable=False),
                    sa.Column("password_hash", sa.String(255), nullable=False),
                    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table("sessions", sa.Column("token_sha256", sa.String(64), primary_key=True),
                    sa.Column("clinician_id", sa.String(36), sa.ForeignKey("clinicians.id"), nullable=False,
                              index=True),
                    sa.Column("csrf", sa.String(64), nullable=False),
                    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table("sign_in_attempts", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("username", sa.String(80), nullable=False, index=True),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("succeeded", sa.Integer, nullable=False))


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
