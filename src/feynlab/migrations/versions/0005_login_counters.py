"""login counters: one row per brake key, counted atomically (replaces login_failures)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

The old table had a row per failure, counted before the password check and written after it:
40 parallel guesses were all counted as zero and 20 got checked. A counter row updated in one
statement cannot be raced; old failure rows are dropped (the brake's window is minutes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feynlab.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_counters",
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_counters")),
    )
    op.create_index(op.f("ix_login_counters_last_at"), "login_counters", ["last_at"])
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_key"), table_name="login_failures")
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_key"), "login_failures", ["key"])
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])
    op.drop_index(op.f("ix_login_counters_last_at"), table_name="login_counters")
    op.drop_table("login_counters")
