"""Live lesson sessions (one sandboxed Python process per learner and lesson) and what each
lesson cell of a learner holds: their edited code and the outputs of its last run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feynlab.db import Base, UTCDateTime, utcnow


class CellSession(Base):
    """One live session's life: when it started, when and why it ended, what it used."""

    __tablename__ = "cell_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(100))
    lesson: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # restart, idle, limit-cpu, limit-memory, timeout, crash, evicted, server-restart, ...
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cells_run: Mapped[int] = mapped_column(Integer, default=0)
    cpu_s: Mapped[float] = mapped_column(Float, default=0.0)
    max_memory_mb: Mapped[float | None] = mapped_column(Float, nullable=True)


class LessonCell(Base):
    """A learner's copy of one lesson cell: edited code, and the outputs of its last run."""

    __tablename__ = "lesson_cells"
    __table_args__ = (UniqueConstraint("user_id", "course", "lesson", "cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(100))
    lesson: Mapped[str] = mapped_column(String(100))
    cell: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(Text)
    # [{"type": "stream", "name": "stdout", "text": ...}, {"type": "figure", "data": base64},
    #  {"type": "result", "text": repr}, {"type": "error", "text": traceback}, ...]
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)  # ok, error, ended
    execution_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    session_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    ran_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
