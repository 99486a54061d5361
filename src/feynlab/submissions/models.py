"""Tables of submissions: graded submissions and code-cell runs, and their events (their jobs
are the queue's: feynlab.grading.queue.models)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from feynlab.db import Base, UTCDateTime, utcnow


class Kind(StrEnum):
    submission = "submission"  # graded against an exercise
    run = "run"  # a lesson's code cell, not graded
    trial = "trial"  # an author trying an exercise's solution or starter: graded, never counted
    check = "check"  # the exercise page's Run: the public checks (public.py), never counted


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
    # The exercise as it was when the submission was made (GradableExercise.spec()): workers
    # grade with it, whatever changed since. None for runs and for rows older than 0004.
    exercise_spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The seed of the test view the last grading drew (staff only): a regrade reproduces it.
    view_seed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
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
