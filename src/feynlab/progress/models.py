"""What each learner has done: lessons read, quiz answers, exercise results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from feynlab.db import Base, UTCDateTime, utcnow


class LessonRead(Base):
    __tablename__ = "lesson_reads"
    __table_args__ = (UniqueConstraint("user_id", "course", "lesson"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(100), index=True)
    lesson: Mapped[str] = mapped_column(String(100))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuizAnswer(Base):
    """The learner's latest answer to a quiz, whether it was ever right, and how many tries."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("user_id", "course", "lesson", "quiz"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(100), index=True)
    lesson: Mapped[str] = mapped_column(String(100))
    quiz: Mapped[str] = mapped_column(String(100))
    choices: Mapped[list[int]] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    ever_correct: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # Right choices and every `why` shown: after a right answer or the second wrong one.
    revealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExerciseProgress(Base):
    """Per learner and exercise: passed yet, best score, attempts; written by the grading queue."""

    __tablename__ = "exercise_progress"
    __table_args__ = (UniqueConstraint("user_id", "course", "exercise"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(100), index=True)
    exercise: Mapped[str] = mapped_column(String(100))
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    best_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_activity: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
