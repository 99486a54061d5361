"""Routes of courses: the public catalog and readers, quiz answers, reloading, progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import FileResponse

from feynlab.courses import service
from feynlab.courses.registry import CourseRegistryDep
from feynlab.courses.schemas import (
    CourseSummaryRead,
    ExerciseRead,
    LessonRead,
    QuizAnswerIn,
    QuizAnswerOut,
    ReloadedRead,
    SyllabusRead,
)
from feynlab.deps import CurrentUser, DbSession, Instructor, OptionalUser, RowId
from feynlab.progress import service as progress
from feynlab.progress.schemas import (
    CourseProgressRead,
    LearnerCourseProgressRead,
    UserProgressRead,
)

public = APIRouter(prefix="/courses", tags=["courses"])
private = APIRouter(prefix="/courses", tags=["courses"])
progress_routes = APIRouter(prefix="/progress", tags=["progress"])

Responses = dict[int | str, dict[str, Any]]
_NOT_FOUND: Responses = {404: {"description": "No such course, lesson or exercise."}}
_STAFF: Responses = {403: {"description": "Instructors only."}}
_BROKEN: Responses = {409: {"description": "Staff: the course is invalid, with no good version."}}


@public.get("", response_model=list[CourseSummaryRead])
def catalog(
    registry: CourseRegistryDep, db: DbSession, user: OptionalUser
) -> list[CourseSummaryRead]:
    """Every course, with the caller's progress when logged in."""
    return service.catalog(registry=registry, db=db, user=user)


@public.get("/{course}", responses={**_NOT_FOUND, **_BROKEN})
def syllabus(
    course: str, registry: CourseRegistryDep, db: DbSession, user: OptionalUser
) -> SyllabusRead:
    """A course's lessons in order with their exercises, and the caller's progress."""
    return service.syllabus(registry=registry, db=db, user=user, slug=course)


@public.get("/{course}/lessons/{lesson}", responses={**_NOT_FOUND, **_BROKEN})
def lesson(
    course: str, lesson: str, registry: CourseRegistryDep, db: DbSession, user: OptionalUser
) -> LessonRead:
    """A lesson's Markdown (rendered in the browser), its quizzes (choices in the caller's own
    order; right answers only once the caller's answer revealed them), its cells. Anyone may
    read; reading does not mark it read: the reader calls POST .../read."""
    return service.read_lesson(registry=registry, db=db, user=user, course=course, lesson=lesson)


@public.get("/{course}/exercises/{exercise}", responses={**_NOT_FOUND, **_BROKEN})
def exercise(
    course: str, exercise: str, registry: CourseRegistryDep, user: OptionalUser
) -> ExerciseRead:
    """An exercise's statement, starter code, hints, pass bar and limits."""
    return service.read_exercise(registry=registry, user=user, course=course, exercise=exercise)


@public.get(
    "/{course}/figures/{name:path}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}, **_NOT_FOUND},
)
def figure(course: str, name: str, registry: CourseRegistryDep, user: OptionalUser) -> FileResponse:
    """An image from the course's figures/ folder (lessons link them as ../figures/NAME)."""
    path, kind = service.figure_path(registry=registry, user=user, course=course, name=name)
    # SVG may carry script: served with a CSP that forbids it, and never sniffed as HTML.
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(path, media_type=kind, headers=headers)


@private.post(
    "/{course}/lessons/{lesson}/read", status_code=status.HTTP_200_OK, responses=_NOT_FOUND
)
def mark_read(
    course: str, lesson: str, registry: CourseRegistryDep, db: DbSession, user: CurrentUser
) -> CourseProgressRead:
    """Mark the lesson read (idempotent); returns the caller's progress in the course."""
    service.mark_read(registry=registry, db=db, user=user, course=course, lesson=lesson)
    _, found = service.get_course(registry=registry, user=user, slug=course)
    return progress.course_progress(db=db, user_id=user.id, courses=[found])[course]


@private.post(
    "/{course}/lessons/{lesson}/quizzes/{quiz}/answers",
    responses={**_NOT_FOUND, 422: {"description": "Choices out of range or wrong in number."}},
)
def answer_quiz(
    course: str,
    lesson: str,
    quiz: str,
    body: QuizAnswerIn,
    registry: CourseRegistryDep,
    db: DbSession,
    user: CurrentUser,
) -> QuizAnswerOut:
    """Check an answer on the server and record it; the right choices come back only now."""
    return service.answer_quiz(
        registry=registry,
        db=db,
        user=user,
        course=course,
        lesson=lesson,
        quiz=quiz,
        choices=body.choices,
    )


@private.post("/reload", responses=_STAFF)
def reload_all(registry: CourseRegistryDep, user: Instructor) -> list[ReloadedRead]:
    """Re-read every course folder now (instructors)."""
    return service.reload(registry=registry)


@private.post("/{course}/reload", responses={**_STAFF, **_NOT_FOUND})
def reload_one(course: str, registry: CourseRegistryDep, user: Instructor) -> list[ReloadedRead]:
    """Re-read one course folder now (instructors)."""
    return service.reload(registry=registry, course=course)


@private.get(
    "/{course}/progress",
    responses={**_STAFF, **_NOT_FOUND, **_BROKEN},
)
def course_progress(
    course: str, registry: CourseRegistryDep, db: DbSession, user: Instructor
) -> list[LearnerCourseProgressRead]:
    """Every learner's progress in the course (instructors)."""
    _, found = service.get_course(registry=registry, user=user, slug=course)
    return progress.learners_progress(db=db, course=found)


# Progress across courses: here, with the courses the caller may see (the progress feature
# computes it from course content and never imports the courses feature itself).
@progress_routes.get("")
def my_progress(registry: CourseRegistryDep, db: DbSession, user: CurrentUser) -> UserProgressRead:
    """The caller's progress in every course they can see."""
    visible = service.visible_courses(registry=registry, user=user)
    return progress.user_progress(db=db, viewer=user, user_id=user.id, courses=visible)


@progress_routes.get(
    "/{user_id}",
    responses={
        403: {"description": "A learner asking for someone else."},
        404: {"description": "No such user."},
    },
)
def user_progress(
    user_id: RowId, registry: CourseRegistryDep, db: DbSession, user: CurrentUser
) -> UserProgressRead:
    """A user's progress: instructors and admins may read anyone's, learners only their own."""
    visible = service.visible_courses(registry=registry, user=user)
    return progress.user_progress(db=db, viewer=user, user_id=user_id, courses=visible)
