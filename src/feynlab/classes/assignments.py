"""Assignments: deadlines, late policies, extensions, and the grade each learner gets for one.

Every time is stored and compared in UTC; the browser shows it in the learner's time zone."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.classes import service as classes
from feynlab.classes.models import (
    Assignment,
    ClassMember,
    ClassRole,
    Extension,
    GradeRule,
    LatePolicy,
    SchoolClass,
)
from feynlab.classes.schemas import (
    AssignmentCreate,
    AssignmentGrade,
    AssignmentRead,
    ClassGradebookRow,
    Deadline,
    ExerciseGrade,
    ExtensionRead,
    ExtensionSet,
)
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistry
from feynlab.db import utcnow
from feynlab.errors import Conflict, Invalid, NotFound
from feynlab.submissions.models import Kind, Submission
from feynlab.submissions.schemas import LearnerRef

DAY_S = 86_400.0
MANAGE = {ClassRole.instructor.value}


def _check(
    *, db: Session, registry: CourseRegistry, user: User, class_id: int, data: AssignmentCreate
) -> None:
    if data.course not in classes.course_slugs(db=db, class_id=class_id):
        raise Invalid(f"The course {data.course!r} is not one of this class's courses.")
    for exercise in data.exercises:
        courses.get_exercise(registry=registry, user=user, course=data.course, exercise=exercise)
    if data.late_policy == LatePolicy.penalty.value and data.penalty_per_day <= 0:
        raise Invalid("A late penalty needs penalty_per_day above 0 (0.1 takes 10% a day).")


def create(
    *, db: Session, registry: CourseRegistry, user: User, class_id: int, data: AssignmentCreate
) -> AssignmentRead:
    classes.get_class(db=db, class_id=class_id, user=user, roles=MANAGE)
    _check(db=db, registry=registry, user=user, class_id=class_id, data=data)
    found = Assignment(class_id=class_id, **_fields(data))
    db.add(found)
    db.commit()
    return AssignmentRead.model_validate(found)


def _fields(data: AssignmentCreate) -> dict[str, object]:
    values = data.model_dump()
    values["exercises"] = list(dict.fromkeys(data.exercises))
    return values


def get(*, db: Session, user: User, class_id: int, assignment_id: int) -> Assignment:
    classes.get_class(db=db, class_id=class_id, user=user)
    found = db.get(Assignment, assignment_id)
    if found is None or found.class_id != class_id:
        raise NotFound(f"This class has no assignment {assignment_id}.")
    return found


def update(
    *,
    db: Session,
    registry: CourseRegistry,
    user: User,
    class_id: int,
    assignment_id: int,
    data: AssignmentCreate,
) -> AssignmentRead:
    classes.get_class(db=db, class_id=class_id, user=user, roles=MANAGE)
    found = get(db=db, user=user, class_id=class_id, assignment_id=assignment_id)
    _check(db=db, registry=registry, user=user, class_id=class_id, data=data)
    for key, value in _fields(data).items():
        setattr(found, key, value)
    db.commit()
    return AssignmentRead.model_validate(found)


def remove(*, db: Session, user: User, class_id: int, assignment_id: int) -> None:
    classes.get_class(db=db, class_id=class_id, user=user, roles=MANAGE)
    db.delete(get(db=db, user=user, class_id=class_id, assignment_id=assignment_id))
    db.commit()


def set_extension(
    *, db: Session, user: User, class_id: int, assignment_id: int, user_id: int, data: ExtensionSet
) -> ExtensionRead:
    classes.get_class(db=db, class_id=class_id, user=user, roles=MANAGE)
    found = get(db=db, user=user, class_id=class_id, assignment_id=assignment_id)
    if user_id not in classes.learner_ids(db=db, class_id=class_id):
        raise NotFound(f"No learner with id {user_id} is in this class.")
    extension = db.get(Extension, (assignment_id, user_id))
    if extension is None:
        extension = Extension(assignment_id=found.id, user_id=user_id, due_at=data.due_at)
        db.add(extension)
    extension.due_at = data.due_at
    db.commit()
    return ExtensionRead(assignment_id=found.id, user_id=user_id, due_at=extension.due_at)


def remove_extension(
    *, db: Session, user: User, class_id: int, assignment_id: int, user_id: int
) -> None:
    classes.get_class(db=db, class_id=class_id, user=user, roles=MANAGE)
    get(db=db, user=user, class_id=class_id, assignment_id=assignment_id)
    extension = db.get(Extension, (assignment_id, user_id))
    if extension is None:
        raise NotFound("This learner has no extension on this assignment.")
    db.delete(extension)
    db.commit()


def extensions(*, db: Session, assignment_ids: list[int]) -> dict[tuple[int, int], datetime]:
    rows = db.scalars(select(Extension).where(Extension.assignment_id.in_(assignment_ids)))
    return {(e.assignment_id, e.user_id): e.due_at for e in rows}


def late_days(*, at: datetime, due: datetime) -> int:
    """Started days past the due time: one second late is one day late."""
    past = (at - due).total_seconds()
    return math.ceil(past / DAY_S) if past > 0 else 0


def counted_score(
    *, assignment: Assignment, at: datetime, due: datetime, score: float | None
) -> tuple[float, int] | None:
    """What a submission at ``at`` counts for, and its days late; None when it does not count."""
    if at < assignment.opens_at:
        return None
    days = late_days(at=at, due=due)
    if days and assignment.late_policy == LatePolicy.closed.value:
        return None
    value = float(score or 0.0)
    if days and assignment.late_policy == LatePolicy.penalty.value:
        value = max(0.0, value * (1.0 - assignment.penalty_per_day * days))
    return value, days


def _graded(*, db: Session, user_ids: list[int], assignments: list[Assignment]) -> list[Submission]:
    if not user_ids or not assignments:
        return []
    pairs = {(a.course, e) for a in assignments for e in a.exercises}
    stmt = (
        select(Submission)
        .where(
            Submission.kind == Kind.submission.value,
            Submission.user_id.in_(user_ids),
            Submission.course.in_({course for course, _ in pairs}),
            Submission.status.is_not(None),
            Submission.status != "infra-error",
        )
        .order_by(Submission.created_at, Submission.id)
    )
    return [s for s in db.scalars(stmt) if (s.course, s.exercise) in pairs]


def grades(
    *, db: Session, learners: list[User], assignments: list[Assignment]
) -> list[ClassGradebookRow]:
    """Each learner's grade per assignment: the best or last counted submission per exercise,
    after the late policy, averaged over the assignment's exercises (a missing one counts 0)."""
    ids = [u.id for u in learners]
    moved = extensions(db=db, assignment_ids=[a.id for a in assignments])
    by_key: dict[tuple[int, str, str], list[Submission]] = defaultdict(list)
    for s in _graded(db=db, user_ids=ids, assignments=assignments):
        by_key[(s.user_id, s.course, s.exercise or "")].append(s)
    rows = []
    for learner in learners:
        out = []
        for a in assignments:
            due = moved.get((a.id, learner.id), a.due_at)
            exercise_grades = []
            for exercise in a.exercises:
                chosen: tuple[float, int, int] | None = None
                for s in by_key[(learner.id, a.course, exercise)]:
                    counted = counted_score(assignment=a, at=s.created_at, due=due, score=s.score)
                    if counted is None:
                        continue
                    if (
                        a.grade_rule == GradeRule.last.value
                        or chosen is None
                        or counted[0] > chosen[0]
                    ):
                        chosen = (counted[0], counted[1], s.id)
                exercise_grades.append(
                    ExerciseGrade(
                        exercise=exercise,
                        grade=chosen[0] if chosen else None,
                        late_days=chosen[1] if chosen else 0,
                        submission_id=chosen[2] if chosen else None,
                    )
                )
            total = sum(g.grade or 0.0 for g in exercise_grades) / max(1, len(exercise_grades))
            out.append(
                AssignmentGrade(
                    assignment_id=a.id, grade=total, due_at=due, exercises=exercise_grades
                )
            )
        rows.append(ClassGradebookRow(learner=LearnerRef.model_validate(learner), assignments=out))
    return rows


def of_class(*, db: Session, class_id: int) -> list[Assignment]:
    return list(
        db.scalars(
            select(Assignment)
            .where(Assignment.class_id == class_id)
            .order_by(Assignment.due_at, Assignment.id)
        )
    )


def state_at(*, assignment: Assignment, due: datetime, now: datetime) -> str:
    if now < assignment.opens_at:
        return "not-open"
    if now <= due:
        return "open"
    return "closed" if assignment.late_policy == LatePolicy.closed.value else "late"


def deadlines(
    *, db: Session, user: User, course: str, exercise: str, now: datetime | None = None
) -> list[Deadline]:
    """The caller's deadlines for one exercise, across the classes they learn in."""
    now = now or utcnow()
    stmt = (
        select(Assignment, SchoolClass)
        .join(SchoolClass, SchoolClass.id == Assignment.class_id)
        .join(ClassMember, ClassMember.class_id == SchoolClass.id)
        .where(
            ClassMember.user_id == user.id,
            ClassMember.role == ClassRole.learner.value,
            Assignment.course == course,
        )
        .order_by(Assignment.due_at)
    )
    found = [(a, c) for a, c in db.execute(stmt) if exercise in a.exercises]
    moved = extensions(db=db, assignment_ids=[a.id for a, _ in found])
    out = []
    for a, c in found:
        due = moved.get((a.id, user.id), a.due_at)
        out.append(
            Deadline(
                class_id=c.id,
                class_name=c.name,
                assignment=AssignmentRead.model_validate(a),
                due_at=due,
                extended=(a.id, user.id) in moved,
                state=state_at(assignment=a, due=due, now=now),  # type: ignore[arg-type]
                seconds_left=(due - now).total_seconds(),
            )
        )
    return out


def refuse_when_closed(*, db: Session, user: User, course: str, exercise: str) -> None:
    """A gate on submitting: a learner whose every assignment of this exercise is closed (past
    its due time, or their extension, with the late policy "closed") is told so, with 409,
    instead of having code graded that will not count. Learners with no such assignment (the
    single-machine demo, self-study) and staff are never refused."""
    found = deadlines(db=db, user=user, course=course, exercise=exercise)
    if not found or any(d.state != "closed" for d in found):
        return
    last = max(found, key=lambda d: d.due_at)
    raise Conflict(
        f"The assignment \u201c{last.assignment.title}\u201d of {last.class_name} closed on "
        f"{last.due_at:%Y-%m-%d %H:%M} UTC and takes no late work, so this submission would not "
        "count. Ask your instructor for an extension if you need one; you can still try your "
        "code in the lesson's code cells."
    )
