"""courses index and learner progress: courses, lesson_reads, quiz_answers, exercise_progress

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feynlab.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("snapshot_hash", sa.String(64), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("indexed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_courses")),
    )
    op.create_table(
        "lesson_reads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(100), nullable=False),
        sa.Column("lesson", sa.String(100), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=False),
        _user_fk("lesson_reads"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_reads")),
        sa.UniqueConstraint("user_id", "course", "lesson", name=op.f("uq_lesson_reads_user_id")),
    )
    op.create_index(op.f("ix_lesson_reads_user_id"), "lesson_reads", ["user_id"])
    op.create_index(op.f("ix_lesson_reads_course"), "lesson_reads", ["course"])
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(100), nullable=False),
        sa.Column("lesson", sa.String(100), nullable=False),
        sa.Column("quiz", sa.String(100), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("ever_correct", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        _user_fk("quiz_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint(
            "user_id", "course", "lesson", "quiz", name=op.f("uq_quiz_answers_user_id")
        ),
    )
    op.create_index(op.f("ix_quiz_answers_user_id"), "quiz_answers", ["user_id"])
    op.create_index(op.f("ix_quiz_answers_course"), "quiz_answers", ["course"])
    op.create_table(
        "exercise_progress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(100), nullable=False),
        sa.Column("exercise", sa.String(100), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_activity", UTCDateTime(), nullable=False),
        _user_fk("exercise_progress"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_progress")),
        sa.UniqueConstraint(
            "user_id", "course", "exercise", name=op.f("uq_exercise_progress_user_id")
        ),
    )
    op.create_index(op.f("ix_exercise_progress_user_id"), "exercise_progress", ["user_id"])
    op.create_index(op.f("ix_exercise_progress_course"), "exercise_progress", ["course"])


def downgrade() -> None:
    op.drop_table("exercise_progress")
    op.drop_table("quiz_answers")
    op.drop_table("lesson_reads")
    op.drop_table("courses")
