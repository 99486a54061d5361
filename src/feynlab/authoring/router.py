"""Routes of authoring (instructors): courses, their files, checks while typing, and trying an
exercise's reference solution and starter through the judge."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from feynlab.authoring import notebooks, service
from feynlab.authoring.schemas import (
    AuthoringCourseRead,
    CourseCreate,
    FileEntry,
    FileRead,
    FileWrite,
    InvalidSaveOut,
    NotebookImport,
    NotebookImported,
    NotebookInvalidOut,
    NotebookProblemRead,
    PreviewCheckIn,
    PreviewCheckOut,
    SavedRead,
)
from feynlab.authoring.trial import try_exercise
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistryDep
from feynlab.deps import Instructor, OptionalUser, SettingsDep
from feynlab.submissions.schemas import Accepted

private = APIRouter(prefix="/authoring", tags=["authoring"])
# Lessons as notebooks, for anyone who may read the lesson (anonymous readers included).
public = APIRouter(prefix="/courses", tags=["authoring"])


@private.get("/courses")
def list_courses(registry: CourseRegistryDep, user: Instructor) -> list[AuthoringCourseRead]:
    """Every course folder with its status and problems, drafts and broken ones included."""
    return service.list_courses(registry=registry)


@private.post("/courses", status_code=status.HTTP_201_CREATED)
def create_course(
    body: CourseCreate, registry: CourseRegistryDep, user: Instructor
) -> AuthoringCourseRead:
    """Create a course folder with its course.yaml (as a draft, hidden from learners)."""
    return service.create_course(registry=registry, data=body)


@private.get("/courses/{course}/files")
def list_files(course: str, registry: CourseRegistryDep, user: Instructor) -> list[FileEntry]:
    """The course folder's files (relative paths)."""
    return service.list_course_files(registry=registry, course=course)


@private.get("/courses/{course}/files/{path:path}")
def read_file(
    course: str, path: str, registry: CourseRegistryDep, user: Instructor, settings: SettingsDep
) -> FileRead:
    """One text file of the course folder, with whether the caller may save it."""
    return service.read_file(
        registry=registry, course=course, path=path, user=user, settings=settings
    )


@private.put(
    "/courses/{course}/files/{path:path}",
    response_model=SavedRead,
    responses={422: {"model": InvalidSaveOut, "description": "Refused: the course would break."}},
)
def save_file(
    course: str,
    path: str,
    body: FileWrite,
    registry: CourseRegistryDep,
    user: Instructor,
    settings: SettingsDep,
) -> SavedRead | JSONResponse:
    """Save a file (creating it if new) when the course stays valid, then reload the course.
    Python that runs on the server (grader.py and its helpers) needs an admin, unless
    FEYNLAB_INSTRUCTORS_EDIT_GRADERS allows instructors."""
    try:
        return service.save_file(
            registry=registry,
            course=course,
            path=path,
            content=body.content,
            user=user,
            settings=settings,
        )
    except service.CourseWouldBreak as exc:
        out = InvalidSaveOut(
            detail=exc.message,
            code=exc.code,
            problems=[service.problem_read(p) for p in exc.problems],
        )
        return JSONResponse(out.model_dump(), status_code=exc.status_code)


@private.post("/preview-check")
def preview_check(
    body: PreviewCheckIn, registry: CourseRegistryDep, user: Instructor
) -> PreviewCheckOut:
    """The problems a file would have with this content, without saving it."""
    return service.preview_check(registry=registry, path=body.path, content=body.content)


class TrialOut(BaseModel):
    """Two gradings queued: follow each ``events_url``; the last event is the verdict."""

    solution: Accepted = Field(description="The reference solution (should pass).")
    starter: Accepted = Field(description="The starter (should not pass).")


@private.post("/courses/{course}/exercises/{exercise}/try", status_code=status.HTTP_202_ACCEPTED)
def try_exercise_route(
    course: str,
    exercise: str,
    request: Request,
    registry: CourseRegistryDep,
    user: Instructor,
) -> TrialOut:
    """Grade the exercise's reference solution and starter through the real judge, never
    counted in any progress; returns at once, like a submission."""
    found = courses.get_exercise(registry=registry, user=user, course=course, exercise=exercise)
    ids = try_exercise(
        factory=request.app.state.sessionmaker,
        queue=request.app.state.queue,
        user=user,
        exercise=found,
    )
    return TrialOut(
        **{
            name: Accepted(id=sid, state="queued", events_url=f"/api/submissions/{sid}/events")
            for name, sid in ids.items()
        }
    )


@private.post(
    "/courses/{course}/lessons/import",
    status_code=status.HTTP_201_CREATED,
    response_model=NotebookImported,
    responses={
        409: {"description": "The lesson exists and replace was not asked for."},
        413: {"description": "The notebook, or the lesson made from it, is too large."},
        422: {"model": NotebookInvalidOut, "description": "Refused, naming the cells."},
    },
)
def import_notebook(
    course: str,
    body: NotebookImport,
    registry: CourseRegistryDep,
    user: Instructor,
    settings: SettingsDep,
) -> NotebookImported | JSONResponse:
    """Import a Jupyter notebook as lessons/<slug>.md (a draft until course.yaml lists it),
    checked with the whole course like any save; nothing is written on any problem."""
    try:
        return notebooks.import_lesson(
            registry=registry, course=course, data=body, user=user, settings=settings
        )
    except notebooks.NotebookInvalid as exc:
        out = NotebookInvalidOut(
            detail=exc.message,
            code=exc.code,
            problems=[
                NotebookProblemRead(cell=p.cell, kind=p.kind, line=p.line, message=p.message)
                for p in exc.problems
            ],
        )
        return JSONResponse(out.model_dump(), status_code=exc.status_code)


_EXPORTED = {
    "ipynb": ("application/x-ipynb+json", "A Jupyter notebook (nbformat 4), without outputs."),
    "py": ("text/x-python", "A runnable script in jupytext's percent format."),
}


def _download(course: str, lesson: str, text: str, fmt: notebooks.NotebookFormat) -> Response:
    name = f"{course}-{lesson}.{fmt}"
    return Response(
        text,
        media_type=_EXPORTED[fmt][0],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@public.get(
    "/{course}/lessons/{lesson}/notebook.ipynb",
    response_class=Response,
    responses={200: {"content": {"application/x-ipynb+json": {}}}, 404: {}},
)
def export_ipynb(
    course: str, lesson: str, registry: CourseRegistryDep, user: OptionalUser
) -> Response:
    """The lesson as a Jupyter notebook: quizzes are raw cells tagged quiz (importing it back
    gives the same lesson)."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return _download(course, lesson, notebooks.export_lesson(found, "ipynb"), "ipynb")


@public.get(
    "/{course}/lessons/{lesson}/notebook.py",
    response_class=Response,
    responses={200: {"content": {"text/x-python": {}}}, 404: {}},
)
def export_py(
    course: str, lesson: str, registry: CourseRegistryDep, user: OptionalUser
) -> Response:
    """The lesson as a runnable Python script (jupytext percent format: `# %%` cells)."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return _download(course, lesson, notebooks.export_lesson(found, "py"), "py")
