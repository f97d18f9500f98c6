"""State several hubs on one database must share: which hubs are alive, and sign-in failures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hubs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("last_seen_at", When, nullable=False),
        sa.Column("stopped_at", When, nullable=True),
    )
    op.create_index("ix_hubs_last_seen_at", "hubs", ["last_seen_at"])
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("locked_until", When, nullable=True),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_index("ix_login_failures_updated_at", "login_failures", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_updated_at", "login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_hubs_last_seen_at", "hubs")
    op.drop_table("hubs")
