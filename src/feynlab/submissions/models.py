"""Tables of submissions: graded submissions and code-cell runs, their events, their jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feynlab.db import Base, UTCDateTime, utcnow


class Kind(StrEnum):
    submission = "submission"  # graded against an exercise
    run = "run"  # a lesson's code cell, not graded
    trial = "trial"  # an author trying an exercise's solution or starter: graded, never counted


class State(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"


class Submission(Base):
    """Learner code sent for grading (or a code cell to run); a row first, then a job."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_owner_exercise", "user_id", "course", "exercise", "id"),
        Index("ix_submissions_course_exercise", "course", "exercise"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=Kind.submission.value)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(100))
    exercise: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lesson: Mapped[str | None] = mapped_column(String(100), nullable=True)
    code: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=State.queued.value, index=True)
    # The outcome: a verdict (kind=submission) or a run result (kind=run), as in dev-guide.md.
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A regrade starts a new round; a verdict is stored once per round, whatever runs the job.
    round: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SubmissionEvent(Base):
    """One event of a submission's stream; ``seq`` is its SSE id, for Last-Event-ID resumes."""

    __tablename__ = "submission_events"
    __table_args__ = (UniqueConstraint("submission_id", "seq", name="uq_submission_events_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GradingJob(Base):
    """A unit of queue work: run one round of one submission. Claimed atomically by a worker."""

    __tablename__ = "grading_jobs"
    __table_args__ = (
        Index("ix_grading_jobs_pick", "state", "priority", "id"),
        Index("ix_grading_jobs_user_state", "user_id", "state"),
        Index("ix_grading_jobs_user_claimed", "user_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(Integer)  # the learner, for fair picking
    round: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20), default=State.queued.value)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 learners, 1 bulk regrades
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the broker was last told about this job (Celery); re-announced if it looks lost.
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
