"""A learner's own data, as data-protection rules expect: everything stored about them as one
download, and deleting the account with all of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.accounts.schemas import Message, UserRead
from feynlab.accounts.service import password_hash
from feynlab.classes.models import ClassMember, SchoolClass
from feynlab.db import utcnow
from feynlab.deps import CurrentUser, DbSession
from feynlab.errors import Conflict, Invalid
from feynlab.grading.verdicts import Verdict
from feynlab.progress.models import ExerciseProgress, LessonRead, QuizAnswer
from feynlab.submissions import service as submissions
from feynlab.submissions.models import Submission

router = APIRouter(tags=["accounts"])


class ExportedSubmission(BaseModel):
    id: int
    kind: str
    course: str
    exercise: str | None
    lesson: str | None
    code: str
    status: str | None
    score: float | None
    created_at: datetime
    outcome: dict[str, Any] | None = Field(description="The verdict or run result you saw.")


class ExportedClass(BaseModel):
    id: int
    name: str
    role: str
    joined_at: datetime


class DataExport(BaseModel):
    exported_at: datetime
    account: UserRead
    classes: list[ExportedClass]
    submissions: list[ExportedSubmission]
    lessons_read: list[dict[str, Any]]
    quiz_answers: list[dict[str, Any]]
    exercise_progress: list[dict[str, Any]]


class AccountDelete(BaseModel):
    password: str = Field(min_length=1, max_length=200, description="To confirm it is you.")


def _learner_view(row: Submission) -> dict[str, Any] | None:
    outcome = submissions.stored_outcome(row)
    if isinstance(outcome, Verdict):
        outcome = outcome.for_learner()  # staff-only details (hidden-test figures) stay out
    return outcome.model_dump(mode="json") if outcome is not None else None


def _rows(db: Session, model: type, user_id: int, fields: list[str]) -> list[dict[str, Any]]:
    found: Any = db.scalars(select(model).where(model.user_id == user_id).order_by(model.id))  # type: ignore[attr-defined]
    return [{name: getattr(item, name) for name in fields} for item in found]


def export(*, db: Session, user: User) -> DataExport:
    memberships = db.execute(
        select(ClassMember, SchoolClass)
        .join(SchoolClass, SchoolClass.id == ClassMember.class_id)
        .where(ClassMember.user_id == user.id)
    )
    rows = db.scalars(
        select(Submission).where(Submission.user_id == user.id).order_by(Submission.id)
    )
    return DataExport(
        exported_at=utcnow(),
        account=UserRead.model_validate(user),
        classes=[
            ExportedClass(id=c.id, name=c.name, role=m.role, joined_at=m.joined_at)
            for m, c in memberships
        ],
        submissions=[
            ExportedSubmission(
                id=s.id,
                kind=s.kind,
                course=s.course,
                exercise=s.exercise,
                lesson=s.lesson,
                code=s.code,
                status=s.status,
                score=s.score,
                created_at=s.created_at,
                outcome=_learner_view(s),
            )
            for s in rows
        ],
        lessons_read=_rows(db, LessonRead, user.id, ["course", "lesson", "read_at"]),
        quiz_answers=_rows(
            db,
            QuizAnswer,
            user.id,
            ["course", "lesson", "quiz", "choices", "correct", "answered_at"],
        ),
        exercise_progress=_rows(
            db,
            ExerciseProgress,
            user.id,
            ["course", "exercise", "passed", "best_score", "attempts", "last_activity"],
        ),
    )


def delete_account(*, db: Session, user: User, password: str) -> None:
    """The account and everything stored about it (submissions, progress, memberships)."""
    if not password_hash.verify(password, user.password_hash):
        raise Invalid("The password is wrong: your account was not deleted.")
    if user.role == "admin":
        others = db.scalar(select(User.id).where(User.role == "admin", User.id != user.id))
        if others is None:
            raise Conflict("You are the last admin: make someone else admin first.")
    # Rows that point at the user are removed by the database (ON DELETE CASCADE).
    db.delete(db.merge(user))
    db.commit()


@router.get("/me/export", responses={401: {"model": Message}})
def export_my_data(user: CurrentUser, db: DbSession) -> Response:
    """Everything stored about you, as one JSON file: account, classes, code and verdicts."""
    body = export(db=db, user=user).model_dump_json(indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="feynlab-my-data.json"'},
    )


@router.post(
    "/me/delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: {"model": Message}, 409: {"model": Message}, 422: {"model": Message}},
)
def delete_my_account(body: AccountDelete, user: CurrentUser, db: DbSession) -> Response:
    """Delete your account and everything stored about you. This cannot be undone."""
    delete_account(db=db, user=user, password=body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
