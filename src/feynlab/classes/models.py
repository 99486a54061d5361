"""Tables of classes: a class, its courses, its members with their class role, its assignments
and per-learner extensions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from feynlab.db import Base, UTCDateTime, utcnow


class ClassRole(StrEnum):
    instructor = "instructor"  # manages the class: members, assignments, extensions
    ta = "ta"  # sees the class's learners, submissions and grades
    learner = "learner"


STAFF_ROLES = frozenset({ClassRole.instructor.value, ClassRole.ta.value})


class LatePolicy(StrEnum):
    none = "none"  # late submissions count in full
    penalty = "penalty"  # late submissions count, less penalty_per_day for each started day
    closed = "closed"  # late submissions do not count


class GradeRule(StrEnum):
    best = "best"
    last = "last"


class SchoolClass(Base):
    """A course offering: a name, its courses, dates, and a code to join it."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClassCourse(Base):
    __tablename__ = "class_courses"

    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    course: Mapped[str] = mapped_column(String(100), primary_key=True)


class ClassMember(Base):
    __tablename__ = "class_members"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_class_members_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=ClassRole.learner.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assignment(Base):
    """Exercises of one course due at a time, with a late policy and a grade rule."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    course: Mapped[str] = mapped_column(String(100))
    exercises: Mapped[list[Any]] = mapped_column(JSON)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late_policy: Mapped[str] = mapped_column(String(20), default=LatePolicy.none.value)
    penalty_per_day: Mapped[float] = mapped_column(Float, default=0.0)
    grade_rule: Mapped[str] = mapped_column(String(20), default=GradeRule.best.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Extension(Base):
    """A later due time for one learner on one assignment."""

    __tablename__ = "assignment_extensions"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
