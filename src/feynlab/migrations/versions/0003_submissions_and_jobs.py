"""submissions and jobs: submissions, their event streams, grading jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feynlab.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(100), nullable=False),
        sa.Column("exercise", sa.String(100), nullable=True),
        sa.Column("lesson", sa.String(100), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_submissions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    )
    op.create_index(op.f("ix_submissions_user_id"), "submissions", ["user_id"])
    op.create_index(op.f("ix_submissions_state"), "submissions", ["state"])
    op.create_index(op.f("ix_submissions_created_at"), "submissions", ["created_at"])
    op.create_index(
        "ix_submissions_owner_exercise", "submissions", ["user_id", "course", "exercise", "id"]
    )
    op.create_index("ix_submissions_course_exercise", "submissions", ["course", "exercise"])

    op.create_table(
        "submission_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_submission_events_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_events")),
        sa.UniqueConstraint("submission_id", "seq", name="uq_submission_events_seq"),
    )
    op.create_index(
        op.f("ix_submission_events_submission_id"), "submission_events", ["submission_id"]
    )

    op.create_table(
        "grading_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("announced_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_grading_jobs_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_jobs")),
    )
    op.create_index(op.f("ix_grading_jobs_submission_id"), "grading_jobs", ["submission_id"])
    op.create_index("ix_grading_jobs_pick", "grading_jobs", ["state", "priority", "id"])
    op.create_index("ix_grading_jobs_user_state", "grading_jobs", ["user_id", "state"])
    op.create_index("ix_grading_jobs_user_claimed", "grading_jobs", ["user_id", "claimed_at"])


def downgrade() -> None:
    op.drop_table("grading_jobs")
    op.drop_table("submission_events")
    op.drop_table("submissions")
