"""Sessions and their recordings.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("hub_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("browser_name", sa.String(64), nullable=False),
        sa.Column("browser_version", sa.String(64), nullable=False),
        sa.Column("node_id", sa.String(128), nullable=False),
        sa.Column("requested_capabilities", sa.JSON(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("test_name", sa.String(255), nullable=True),
        sa.Column("test_status", sa.String(32), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("started_at", When, nullable=False),
        sa.Column("ended_at", When, nullable=True),
    )
    op.create_index("ix_sessions_owner_id", "sessions", ["owner_id"])
    op.create_index("ix_sessions_state", "sessions", ["state"])
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", When, nullable=False),
        sa.Column("ended_at", When, nullable=True),
    )
    op.create_index("ix_recordings_session_id", "recordings", ["session_id"])
    op.create_index("ix_recordings_owner_id", "recordings", ["owner_id"])
    op.create_index("ix_recordings_status", "recordings", ["status"])


def downgrade() -> None:
    op.drop_index("ix_recordings_status", "recordings")
    op.drop_index("ix_recordings_owner_id", "recordings")
    op.drop_index("ix_recordings_session_id", "recordings")
    op.drop_table("recordings")
    op.drop_index("ix_sessions_started_at", "sessions")
    op.drop_index("ix_sessions_state", "sessions")
    op.drop_index("ix_sessions_owner_id", "sessions")
    op.drop_table("sessions")
