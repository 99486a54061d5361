"""Reading courses for learners and staff, and checking quiz answers on the server."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.courses.catalog import in_order, read_order
from feynlab.courses.content import Course, Exercise, Lesson, Quiz
from feynlab.courses.registry import CourseEntry, CourseRegistry
from feynlab.courses.schemas import (
    CellRead,
    ChoiceFeedback,
    CourseSummaryRead,
    ExerciseBrief,
    ExerciseRead,
    LessonBrief,
    LessonRead,
    ProblemRead,
    QuizAnswerOut,
    QuizRead,
    ReloadedRead,
    StaffFields,
    SyllabusRead,
)
from feynlab.errors import Conflict, Invalid, NotFound
from feynlab.progress import service as progress
from feynlab.progress.models import QuizAnswer

FIGURE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
QUIZ_TRIES = 2  # one retry before the right choices are revealed


def _staff(entry: CourseEntry, user: User | None) -> StaffFields:
    if user is None or not user.is_staff:
        return StaffFields(status=None, problems=None, stale=None)
    return StaffFields(
        status=entry.status,
        problems=[ProblemRead(**p.as_dict()) for p in entry.problems],  # type: ignore[arg-type]
        stale=entry.stale,
    )


def visible_entries(*, registry: CourseRegistry, user: User | None) -> list[CourseEntry]:
    """Courses the caller may see: learners see served, published courses; staff see all."""
    staff = user is not None and user.is_staff
    return [e for e in registry.entries() if staff or (e.course is not None and not e.course.draft)]


def visible_courses(*, registry: CourseRegistry, user: User | None) -> list[Course]:
    return [e.course for e in visible_entries(registry=registry, user=user) if e.course]


def get_course(
    *, registry: CourseRegistry, user: User | None, slug: str
) -> tuple[CourseEntry, Course]:
    """The served version of a course, or a clear 404 / 409."""
    entry = registry.get(slug)
    staff = user is not None and user.is_staff
    if entry is None or (not staff and (entry.course is None or entry.course.draft)):
        raise NotFound(f"There is no course {slug!r}.")
    if entry.course is None:
        first = entry.problems[0] if entry.problems else None
        raise Conflict(
            f"The course {slug!r} has {len(entry.problems)} problem(s) and no earlier good "
            f"version to show. Fix its folder first{f': {first}' if first else ''}."
        )
    return entry, entry.course


def catalog(*, registry: CourseRegistry, db: Session, user: User | None) -> list[CourseSummaryRead]:
    entries = visible_entries(registry=registry, user=user)
    served = [e.course for e in entries if e.course is not None]
    mine = progress.course_progress(db=db, user_id=user.id, courses=served) if user else {}
    order, _ = read_order(registry.courses_dir)  # its problems are `feynlab courses check`'s
    listed = [
        CourseSummaryRead(
            slug=e.slug,
            title=e.course.title if e.course else e.title or e.slug,
            summary=e.course.summary if e.course else e.summary,
            level=e.course.level if e.course else e.level,
            draft=e.course.draft if e.course else False,
            lesson_count=len(e.course.lessons) if e.course else 0,
            exercise_count=len(e.course.exercises) if e.course else 0,
            progress=mine.get(e.slug),
            **_staff(e, user).model_dump(),
        )
        for e in entries
    ]
    return in_order(listed, order)


def _brief(exercise: Exercise) -> ExerciseBrief:
    return ExerciseBrief(slug=exercise.slug, title=exercise.title, lesson=exercise.lesson)


def syllabus(
    *, registry: CourseRegistry, db: Session, user: User | None, slug: str
) -> SyllabusRead:
    entry, course = get_course(registry=registry, user=user, slug=slug)
    mine = progress.course_progress(db=db, user_id=user.id, courses=[course]) if user else {}
    return SyllabusRead(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        level=course.level,
        draft=course.draft,
        lessons=[
            LessonBrief(
                slug=lesson.slug,
                title=lesson.title,
                summary=lesson.summary,
                exercises=[_brief(ex) for s in lesson.exercises if (ex := course.exercise(s))],
            )
            for lesson in course.lessons
        ],
        exercises=[_brief(ex) for ex in course.exercises],
        progress=mine.get(course.slug),
        **_staff(entry, user).model_dump(),
    )


def get_lesson(
    *, registry: CourseRegistry, user: User | None, course: str, lesson: str
) -> tuple[Course, Lesson]:
    _, found = get_course(registry=registry, user=user, slug=course)
    item = found.lesson(lesson)
    if item is None:
        raise NotFound(f"The course {course!r} has no lesson {lesson!r}.")
    return found, item


def quiz_order(*, user: User | None, course: str, lesson: str, quiz: Quiz) -> list[int]:
    """``order[p]`` is the author's index of the choice shown at position ``p``: a shuffle of
    its own for each learner and quiz, the same on every visit (anonymous readers share one)."""
    who = str(user.id) if user is not None else "anonymous"
    seed = hashlib.sha256(f"{who}/{course}/{lesson}/{quiz.id}".encode()).digest()
    order = list(range(len(quiz.choices)))
    random.Random(seed).shuffle(order)
    return order


def _quiz_state(quiz: Quiz, order: list[int], row: QuizAnswer) -> QuizAnswerOut:
    position = {index: p for p, index in enumerate(order)}
    chosen = sorted(position[i] for i in row.choices if i in position)
    if not row.revealed:
        return QuizAnswerOut(
            correct=row.correct,
            choices=chosen,
            tries=row.attempts,
            tries_left=max(QUIZ_TRIES - row.attempts, 0),
            revealed=False,
            correct_choices=[],
            explanation="",
            choice_feedback=[],
        )
    return QuizAnswerOut(
        correct=row.correct,
        choices=chosen,
        tries=row.attempts,
        tries_left=0,
        revealed=True,
        correct_choices=sorted(position[i] for i in quiz.correct_choices),
        explanation=quiz.explanation,
        choice_feedback=[
            ChoiceFeedback(index=p, explanation=quiz.choices[i].explanation)
            for p, i in enumerate(order)
            if quiz.choices[i].explanation
        ],
    )


def read_lesson(
    *, registry: CourseRegistry, db: Session, user: User | None, course: str, lesson: str
) -> LessonRead:
    found, item = get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    slugs = [other.slug for other in found.lessons]
    at = slugs.index(item.slug)
    rows = (
        progress.quiz_answers(db=db, user_id=user.id, course=found.slug, lesson=item.slug)
        if user is not None
        else {}
    )
    quizzes = []
    for q in item.quizzes:
        order = quiz_order(user=user, course=found.slug, lesson=item.slug, quiz=q)
        row = rows.get(q.id)
        quizzes.append(
            QuizRead(
                id=q.id,
                question=q.question,
                type=q.type,
                choices=[q.choices[i].text for i in order],
                answer=_quiz_state(q, order, row) if row is not None else None,
            )
        )
    return LessonRead(
        course=found.slug,
        slug=item.slug,
        title=item.title,
        summary=item.summary,
        markdown=item.reader_markdown,
        quizzes=quizzes,
        cells=[CellRead(index=c.index, code=c.code, line=c.line) for c in item.cells],
        exercises=list(item.exercises),
        previous=slugs[at - 1] if at > 0 else None,
        next=slugs[at + 1] if at + 1 < len(slugs) else None,
    )


def mark_read(
    *, registry: CourseRegistry, db: Session, user: User, course: str, lesson: str
) -> None:
    get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    progress.mark_lesson_read(db=db, user_id=user.id, course=course, lesson=lesson)


def answer_quiz(
    *,
    registry: CourseRegistry,
    db: Session,
    user: User,
    course: str,
    lesson: str,
    quiz: str,
    choices: list[int],
) -> QuizAnswerOut:
    """Check an answer on the server and record it. A wrong first answer learns only that it is
    wrong; a right one or the second try reveals the right choices and every choice's `why`.
    ``choices`` are positions in this learner's shuffled order."""
    _, item = get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    found = item.quiz(quiz)
    if found is None:
        raise NotFound(f"The lesson {lesson!r} has no quiz {quiz!r}.")
    count = len(found.choices)
    if any(not 0 <= index < count for index in choices):
        raise Invalid(f"choices: each index must be between 0 and {count - 1}.")
    if len(set(choices)) != len(choices):
        raise Invalid("choices: an index is repeated.")
    if found.type == "single" and len(choices) != 1:
        raise Invalid("choices: this quiz takes exactly one choice.")
    order = quiz_order(user=user, course=course, lesson=lesson, quiz=found)
    before = progress.quiz_answers(db=db, user_id=user.id, course=course, lesson=lesson).get(quiz)
    if before is not None and before.revealed:
        return _quiz_state(found, order, before)  # already revealed: a new answer changes nothing
    picked = sorted(order[p] for p in choices)
    correct = set(picked) == set(found.correct_choices)
    tries = (before.attempts if before is not None else 0) + 1
    row = progress.record_quiz_answer(
        db=db,
        user_id=user.id,
        course=course,
        lesson=lesson,
        quiz=quiz,
        choices=picked,
        correct=correct,
        revealed=correct or tries >= QUIZ_TRIES,
    )
    return _quiz_state(found, order, row)


def get_exercise(
    *, registry: CourseRegistry, user: User | None, course: str, exercise: str
) -> Exercise:
    """The served version of an exercise (for the queue and for the reader)."""
    _, found = get_course(registry=registry, user=user, slug=course)
    item = found.exercise(exercise)
    if item is None:
        raise NotFound(f"The course {course!r} has no exercise {exercise!r}.")
    return item


def read_exercise(
    *, registry: CourseRegistry, user: User | None, course: str, exercise: str
) -> ExerciseRead:
    item = get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    return ExerciseRead(
        course=item.course,
        slug=item.slug,
        title=item.title,
        lesson=item.lesson,
        statement=item.statement,
        entrypoint=item.entrypoint,
        starter=item.starter,
        hints=list(item.hints),
        pass_bar=item.pass_bar,
        limits=item.limits,
        rules=list(item.rules),
        has_public_checks=item.has_public_checks,
        training_s=item.training_s,
    )


def figure_path(
    *, registry: CourseRegistry, user: User | None, course: str, name: str
) -> tuple[Path, str]:
    """A figure file of the course, confined to its figures/ folder."""
    _, found = get_course(registry=registry, user=user, slug=course)
    folder = (found.directory / "figures").resolve()
    target = (folder / name).resolve()
    kind = FIGURE_TYPES.get(target.suffix.lower())
    if kind is None or not target.is_relative_to(folder) or not target.is_file():
        raise NotFound(f"The course {course!r} has no figure {name!r}.")
    return target, kind


def reload(*, registry: CourseRegistry, course: str | None = None) -> list[ReloadedRead]:
    entries = registry.reload(course)
    if course is not None and not entries:
        raise NotFound(f"There is no course folder {course!r}.")
    return [
        ReloadedRead(
            slug=e.slug,
            status=e.status,
            stale=e.stale,
            indexed_at=e.indexed_at,
            problems=[ProblemRead(**p.as_dict()) for p in e.problems],  # type: ignore[arg-type]
        )
        for e in entries
    ]
