"""cell_sessions and lesson_cells: live lesson sessions (a learner's Python process per lesson)
and each learner's edited lesson cells with the outputs of their last run

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import feynlab.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cell_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=100), nullable=False),
        sa.Column("lesson", sa.String(length=100), nullable=False),
        sa.Column("started_at", feynlab.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", feynlab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("cells_run", sa.Integer(), nullable=False),
        sa.Column("cpu_s", sa.Float(), nullable=False),
        sa.Column("max_memory_mb", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cell_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_sessions")),
        sa.UniqueConstraint("key", name=op.f("uq_cell_sessions_key")),
    )
    op.create_index(op.f("ix_cell_sessions_user_id"), "cell_sessions", ["user_id"])
    op.create_table(
        "lesson_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=100), nullable=False),
        sa.Column("lesson", sa.String(length=100), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("execution_count", sa.Integer(), nullable=True),
        sa.Column("session_key", sa.String(length=32), nullable=True),
        sa.Column("ran_at", feynlab.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", feynlab.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lesson_cells_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_cells")),
        sa.UniqueConstraint("user_id", "course", "lesson", "cell", name="uq_lesson_cells_user_id"),
    )
    op.create_index(op.f("ix_lesson_cells_user_id"), "lesson_cells", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lesson_cells_user_id"), table_name="lesson_cells")
    op.drop_table("lesson_cells")
    op.drop_index(op.f("ix_cell_sessions_user_id"), table_name="cell_sessions")
    op.drop_table("cell_sessions")
