"""A class's gradebook: per learner and assignment, on screen, as CSV and as a file an LMS
imports (Canvas's gradebook CSV, which Moodle's CSV grade import also reads)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.classes import assignments as assignments_service
from feynlab.classes import service as classes
from feynlab.classes.models import ClassMember, ClassRole, SchoolClass
from feynlab.classes.schemas import (
    AssignmentRead,
    ClassGradebook,
    ClassLearnerPage,
    ClassSubmission,
)
from feynlab.errors import NotFound
from feynlab.submissions import gradebook
from feynlab.submissions.models import Kind, Submission
from feynlab.submissions.schemas import LearnerRef


def _learners(*, db: Session, class_id: int) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(ClassMember, ClassMember.user_id == User.id)
            .where(ClassMember.class_id == class_id, ClassMember.role == ClassRole.learner.value)
            .order_by(User.name, User.email, User.id)
        )
    )


def class_gradebook(*, db: Session, user: User, class_id: int) -> ClassGradebook:
    """Staff only: the grades of this class's learners, and nobody else's."""
    classes.get_staffed_class(db=db, class_id=class_id, user=user)
    learners = _learners(db=db, class_id=class_id)
    items = assignments_service.of_class(db=db, class_id=class_id)
    return ClassGradebook(
        assignments=[AssignmentRead.model_validate(a) for a in items],
        rows=assignments_service.grades(db=db, learners=learners, assignments=items),
        exercises=gradebook.rows(
            db=db,
            courses=classes.course_slugs(db=db, class_id=class_id),
            user_ids=[u.id for u in learners],
        ),
    )


def _points(grade: float) -> str:
    return f"{grade * 100:.2f}"


def to_csv(book: ClassGradebook) -> str:
    """One row per learner, one column per assignment (points out of 100) and per exercise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["learner_id", "email", "name"]
    for a in book.assignments:
        header += [f"{a.title} (points)"] + [f"{a.title}: {e} (late days)" for e in a.exercises]
    writer.writerow(header)
    for row in book.rows:
        line: list[object] = [
            row.learner.id,
            gradebook.safe_cell(row.learner.email),
            gradebook.safe_cell(row.learner.name),
        ]
        for grade in row.assignments:
            line.append(_points(grade.grade))
            line += [g.late_days if g.submission_id else "" for g in grade.exercises]
        writer.writerow(line)
    return buffer.getvalue()


def to_lms_csv(book: ClassGradebook, *, section: str) -> str:
    """Canvas's gradebook import layout; learners are matched by their email as login ID.

    Moodle reads the same file (Grades > Import > CSV file: map "SIS Login ID" to email)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        + [a.title for a in book.assignments]
    )
    writer.writerow(["Points Possible", "", "", "", ""] + ["100"] * len(book.assignments))
    for row in book.rows:
        writer.writerow(
            [
                gradebook.safe_cell(row.learner.name),
                "",
                "",
                gradebook.safe_cell(row.learner.email),
                gradebook.safe_cell(section),
            ]
            + [_points(g.grade) for g in row.assignments]
        )
    return buffer.getvalue()


def section_name(*, db: Session, class_id: int) -> str:
    found = db.get(SchoolClass, class_id)
    return found.name if found else ""


def learner_page(*, db: Session, user: User, class_id: int, learner_id: int) -> ClassLearnerPage:
    """Staff only: one member of the class, their grades and submissions to its courses."""
    classes.get_staffed_class(db=db, class_id=class_id, user=user)
    role = db.scalar(
        select(ClassMember.role).where(
            ClassMember.class_id == class_id, ClassMember.user_id == learner_id
        )
    )
    person = db.get(User, learner_id) if role else None
    if person is None or role is None:
        raise NotFound(f"Nobody with id {learner_id} is in this class.")
    items = assignments_service.of_class(db=db, class_id=class_id)
    grades = assignments_service.grades(db=db, learners=[person], assignments=items)[0]
    submissions = db.scalars(
        select(Submission)
        .where(
            Submission.user_id == learner_id,
            Submission.kind == Kind.submission.value,
            Submission.course.in_(classes.course_slugs(db=db, class_id=class_id)),
        )
        .order_by(Submission.id.desc())
        .limit(500)
    )
    due = {(g.assignment_id): g.due_at for g in grades.assignments}
    dues: dict[tuple[str, str], list[datetime]] = {}
    for a in items:
        for e in a.exercises:
            dues.setdefault((a.course, e), []).append(due.get(a.id, a.due_at))
    out = []
    for s in submissions:
        # Late against the latest due time covering this exercise (the most lenient).
        covering = dues.get((s.course, s.exercise or ""))
        late = assignments_service.late_days(at=s.created_at, due=max(covering)) if covering else 0
        out.append(ClassSubmission.model_validate(s).model_copy(update={"late_days": late}))
    return ClassLearnerPage(
        learner=LearnerRef.model_validate(person),
        role=role,  # type: ignore[arg-type]
        grades=grades,
        submissions=out,
    )
