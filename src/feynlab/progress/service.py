"""Learner progress: lessons read, quiz answers and exercise results, and the summaries of it."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feynlab.accounts.models import Role, User
from feynlab.db import utcnow
from feynlab.errors import Forbidden, NotFound
from feynlab.progress.models import ExerciseProgress, LessonRead, QuizAnswer
from feynlab.progress.schemas import (
    CourseProgressRead,
    ExerciseProgressRead,
    LearnerCourseProgressRead,
    LearnerRef,
    UserProgressRead,
)

if TYPE_CHECKING:  # the courses feature calls progress, never the other way round
    from feynlab.courses.content import Course


def _insert(db: Session, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    dialect = db.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def mark_lesson_read(*, db: Session, user_id: int, course: str, lesson: str) -> None:
    """Record that the user read the lesson (idempotent)."""
    stmt = _insert(db, LessonRead).values(
        user_id=user_id, course=course, lesson=lesson, read_at=utcnow()
    )
    db.execute(stmt.on_conflict_do_nothing(index_elements=["user_id", "course", "lesson"]))
    db.commit()


def record_quiz_answer(
    *,
    db: Session,
    user_id: int,
    course: str,
    lesson: str,
    quiz: str,
    choices: list[int],
    correct: bool,
    revealed: bool = True,
) -> QuizAnswer:
    """Keep the latest answer, whether any answer was right and whether the answer was revealed
    (once revealed it stays so), and count the attempts; returns the stored row."""
    table = QuizAnswer.__table__
    stmt = _insert(db, QuizAnswer).values(
        user_id=user_id,
        course=course,
        lesson=lesson,
        quiz=quiz,
        choices=choices,
        correct=correct,
        ever_correct=correct,
        attempts=1,
        revealed=revealed,
        answered_at=utcnow(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "course", "lesson", "quiz"],
        set_={
            "choices": stmt.excluded.choices,
            "correct": stmt.excluded.correct,
            "ever_correct": table.c.ever_correct | stmt.excluded.correct,
            "attempts": table.c.attempts + 1,
            "revealed": table.c.revealed | stmt.excluded.revealed,
            "answered_at": stmt.excluded.answered_at,
        },
    )
    db.execute(stmt)
    db.commit()
    row = quiz_answers(db=db, user_id=user_id, course=course, lesson=lesson).get(quiz)
    assert row is not None
    return row


def quiz_answers(*, db: Session, user_id: int, course: str, lesson: str) -> dict[str, QuizAnswer]:
    """The user's answers to the quizzes of one lesson, by quiz id."""
    rows = db.scalars(
        select(QuizAnswer).where(
            QuizAnswer.user_id == user_id, QuizAnswer.course == course, QuizAnswer.lesson == lesson
        ),
        execution_options={"populate_existing": True},  # fresh after an upsert in this session
    )
    return {row.quiz: row for row in rows}


@functools.cache
def _result_upsert(dialect: str) -> Any:
    """The upsert of ``record_exercise_result``, built once per dialect (it runs per verdict)."""
    table: Any = ExerciseProgress.__table__
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    best = table.c.best_score
    new = stmt.excluded.best_score
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "course", "exercise"],
        set_={
            "passed": table.c.passed | stmt.excluded.passed,
            "best_score": case((best.is_(None), new), (new > best, new), else_=best),
            "attempts": table.c.attempts + 1,
            "last_activity": stmt.excluded.last_activity,
        },
    )


def record_exercise_result(
    *, db: Session, user_id: int, course: str, exercise: str, passed: bool, score: float | None
) -> None:
    """Fold one graded attempt into the learner's progress. Called by the grading queue inside
    its own transaction: this flushes but does not commit."""
    stmt = _result_upsert(db.get_bind().dialect.name)
    params = {
        "user_id": user_id,
        "course": course,
        "exercise": exercise,
        "passed": passed,
        "best_score": score,
        "attempts": 1,
        "last_activity": utcnow(),
    }
    db.connection().execute(stmt, params)


def _summaries(
    *, db: Session, user_ids: list[int], courses: Iterable[Course]
) -> dict[tuple[int, str], CourseProgressRead]:
    by_slug = {course.slug: course for course in courses}
    if not user_ids or not by_slug:
        return {}
    slugs = list(by_slug)
    reads: dict[tuple[int, str], set[str]] = defaultdict(set)
    for read in db.scalars(
        select(LessonRead).where(LessonRead.user_id.in_(user_ids), LessonRead.course.in_(slugs))
    ):
        reads[(read.user_id, read.course)].add(read.lesson)
    answers: dict[tuple[int, str], set[tuple[str, str]]] = defaultdict(set)
    for answer in db.scalars(
        select(QuizAnswer).where(QuizAnswer.user_id.in_(user_ids), QuizAnswer.course.in_(slugs))
    ):
        if answer.revealed:  # answered right, or tried twice
            answers[(answer.user_id, answer.course)].add((answer.lesson, answer.quiz))
    results: dict[tuple[int, str], list[ExerciseProgress]] = defaultdict(list)
    for result in db.scalars(
        select(ExerciseProgress).where(
            ExerciseProgress.user_id.in_(user_ids), ExerciseProgress.course.in_(slugs)
        )
    ):
        results[(result.user_id, result.course)].append(result)
    summaries = {}
    for user_id in user_ids:
        for slug, course in by_slug.items():
            key = (user_id, slug)
            summaries[key] = _summary(course, reads[key], answers[key], results[key])
    return summaries


def _summary(
    course: Course, reads: set[str], answers: set[tuple[str, str]], rows: list[ExerciseProgress]
) -> CourseProgressRead:
    lessons = [lesson.slug for lesson in course.lessons if lesson.slug in reads]
    # Done: every quiz of the lesson answered; a lesson without quizzes, once opened.
    done_lessons = [
        lesson.slug
        for lesson in course.lessons
        if (
            all((lesson.slug, quiz.id) in answers for quiz in lesson.quizzes)
            if lesson.quizzes
            else lesson.slug in reads
        )
    ]
    quizzes = [
        quiz.id
        for lesson in course.lessons
        for quiz in lesson.quizzes
        if (lesson.slug, quiz.id) in answers
    ]
    by_slug = {row.exercise: row for row in rows}
    exercises = [
        ExerciseProgressRead(
            exercise=ex.slug,
            passed=row.passed,
            best_score=row.best_score,
            attempts=row.attempts,
            last_activity=row.last_activity,
        )
        for ex in course.exercises
        if (row := by_slug.get(ex.slug)) is not None
    ]
    passed = [item.exercise for item in exercises if item.passed]
    total = len(course.lessons) + course.quiz_count + len(course.exercises)
    done = len(done_lessons) + len(quizzes) + len(passed)
    return CourseProgressRead(
        course=course.slug,
        lessons_read=len(lessons),
        lessons_done=len(done_lessons),
        quizzes_answered=len(quizzes),
        exercises_passed=len(passed),
        lessons_total=len(course.lessons),
        quizzes_total=course.quiz_count,
        exercises_total=len(course.exercises),
        percent=round(100 * done / total) if total else 0,
        read_lessons=lessons,
        done_lessons=done_lessons,
        answered_quizzes=quizzes,
        passed_exercises=passed,
        exercises=exercises,
    )


def course_progress(
    *, db: Session, user_id: int, courses: Iterable[Course]
) -> dict[str, CourseProgressRead]:
    """The user's progress in each of ``courses``, by course slug."""
    found = _summaries(db=db, user_ids=[user_id], courses=courses)
    return {slug: summary for (_, slug), summary in found.items()}


def _ref(user: User) -> LearnerRef:
    return LearnerRef(id=user.id, name=user.name, email=user.email)


def user_progress(
    *, db: Session, viewer: User, user_id: int, courses: Iterable[Course]
) -> UserProgressRead:
    """A user's progress; learners may only see their own."""
    if user_id != viewer.id and not viewer.is_staff:
        raise Forbidden("You may only see your own progress.")
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user with id {user_id}.")
    found = course_progress(db=db, user_id=user_id, courses=courses)
    return UserProgressRead(user=_ref(user), courses=list(found.values()))


def learners_progress(*, db: Session, course: Course) -> list[LearnerCourseProgressRead]:
    """Every learner's progress in one course (for instructors), ordered by name."""
    learners = list(
        db.scalars(select(User).where(User.role == Role.learner.value).order_by(User.name, User.id))
    )
    found = _summaries(db=db, user_ids=[u.id for u in learners], courses=[course])
    return [
        LearnerCourseProgressRead(user=_ref(user), progress=found[(user.id, course.slug)])
        for user in learners
    ]
