"""The instructor's gradebook: per learner and exercise, status, best score, attempts."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from typing import Literal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.errors import NotFound
from feynlab.submissions.models import Kind, Submission
from feynlab.submissions.schemas import GradebookRow, LearnerRef

CSV_COLUMNS = [
    "learner_id",
    "email",
    "name",
    "course",
    "exercise",
    "status",
    "best_score",
    "attempts",
    "last_activity",
]


def rows(
    *,
    db: Session,
    course: str | None = None,
    user_id: int | None = None,
    courses: Collection[str] | None = None,
    user_ids: Collection[int] | None = None,
) -> list[GradebookRow]:
    """Per learner and exercise; ``courses``/``user_ids`` scope it (to a class, for example)."""
    counted = Submission.status.is_not(None) & (Submission.status != "infra-error")
    stmt = (
        select(
            User,
            Submission.course,
            Submission.exercise,
            func.count(Submission.id),
            func.max(case((counted, Submission.score))),
            func.max(case((Submission.status == "passed", 1), else_=0)),
            func.sum(case((counted, 1), else_=0)),
            func.max(Submission.created_at),
        )
        .join(User, User.id == Submission.user_id)
        .where(Submission.kind == Kind.submission.value)
        .group_by(User.id, Submission.course, Submission.exercise)
        .order_by(User.email, Submission.course, Submission.exercise)
    )
    if course is not None:
        stmt = stmt.where(Submission.course == course)
    if user_id is not None:
        stmt = stmt.where(Submission.user_id == user_id)
    if courses is not None:
        stmt = stmt.where(Submission.course.in_(list(courses)))
    if user_ids is not None:
        stmt = stmt.where(Submission.user_id.in_(list(user_ids)))
    out = []
    for user, course_slug, exercise, attempts, best, passed, graded, last in db.execute(stmt):
        status: Literal["passed", "attempted", "pending"] = (
            "passed" if passed else ("attempted" if graded else "pending")
        )
        out.append(
            GradebookRow(
                learner=LearnerRef.model_validate(user),
                course=course_slug,
                exercise=exercise or "",
                status=status,
                best_score=float(best) if best is not None else None,
                attempts=int(attempts),
                last_activity=last,
            )
        )
    return out


def learner(*, db: Session, user_id: int) -> User:
    found = db.get(User, user_id)
    if found is None:
        raise NotFound(f"There is no learner {user_id}.")
    return found


def to_csv(table: list[GradebookRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in table:
        writer.writerow(
            [
                row.learner.id,
                safe_cell(row.learner.email),
                safe_cell(row.learner.name),
                row.course,
                row.exercise,
                row.status,
                "" if row.best_score is None else f"{row.best_score:.4g}",
                row.attempts,
                row.last_activity.isoformat(),
            ]
        )
    return buffer.getvalue()


def safe_cell(cell: str) -> str:
    """Defuse spreadsheet formulas in learner-chosen text (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
