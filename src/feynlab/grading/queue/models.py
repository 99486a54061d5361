"""The queue's own table: one row per unit of grading work (a round of one submission)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feynlab.db import Base, UTCDateTime, utcnow


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"


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
    state: Mapped[str] = mapped_column(String(20), default=JobState.queued.value)
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
