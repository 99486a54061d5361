"""Routes of lesson sessions: the session and cells of a lesson, run a cell, keep an edit,
restart, download as a notebook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from feynlab.accounts.schemas import Message
from feynlab.courses import service as courses
from feynlab.courses.registry import CourseRegistryDep
from feynlab.deps import CurrentUser, DbSession, SettingsDep
from feynlab.sessions import service
from feynlab.sessions.live import CellSessions
from feynlab.sessions.notebook import lesson_notebook
from feynlab.sessions.schemas import (
    CellRun,
    CellRunRead,
    CellSave,
    LessonCellRead,
    LessonSessionRead,
    RunningCellRead,
)

router = APIRouter(tags=["sessions"])
Responses = dict[int | str, dict[str, Any]]
ERRORS: Responses = {401: {"model": Message}, 404: {"model": Message}}
RUN_ERRORS: Responses = {
    **ERRORS,
    409: {"model": Message, "description": "A prerequisite cell has not run, or one runs."},
    413: {"model": Message},
    429: {"model": Message},
    503: {"model": Message, "description": "This server holds no live sessions."},
}
LESSON = "/courses/{course}/lessons/{lesson}"


def _sessions(request: Request) -> CellSessions:
    found: CellSessions = request.app.state.cell_sessions
    return found


@router.get(f"{LESSON}/session", responses=ERRORS)
def read_session(
    course: str,
    lesson: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> LessonSessionRead:
    """The caller's session of this lesson (live or how it ended) and every cell's code and
    stored outputs."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return service.read(
        db=db,
        sessions=_sessions(request),
        settings=settings,
        user=user,
        course=course,
        lesson=found,
    )


@router.get(f"{LESSON}/session/running", responses=ERRORS)
def running_cell(
    course: str, lesson: str, request: Request, user: CurrentUser, registry: CourseRegistryDep
) -> RunningCellRead:
    """The cell running now in the caller's session of this lesson and what it printed so far
    (the page asks while a cell runs)."""
    courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return service.running(sessions=_sessions(request), user=user, course=course, lesson=lesson)


@router.post(f"{LESSON}/cells/{{index}}/run", responses=RUN_ERRORS)
def run_cell(
    course: str,
    lesson: str,
    index: int,
    body: CellRun,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> CellRunRead:
    """Run the caller's code of cell ``index`` (from 0) in their live session of the lesson
    (started when there is none); answers when the cell has finished."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return service.run_cell(
        db=db,
        sessions=_sessions(request),
        settings=settings,
        user=user,
        course=course,
        lesson=found,
        index=index,
        code=body.code,
    )


@router.put(f"{LESSON}/cells/{{index}}", responses={**ERRORS, 413: {"model": Message}})
def save_cell(
    course: str,
    lesson: str,
    index: int,
    body: CellSave,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> LessonCellRead:
    """Keep the caller's edit of a cell without running it; null goes back to the lesson's."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return service.save_code(
        db=db,
        settings=settings,
        user=user,
        course=course,
        lesson=found,
        index=index,
        code=body.code,
    )


@router.post(f"{LESSON}/session/restart", responses=ERRORS)
def restart_session(
    course: str,
    lesson: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> LessonSessionRead:
    """End the caller's session of this lesson; the next cell run starts a fresh one."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    return service.restart(
        db=db,
        sessions=_sessions(request),
        settings=settings,
        user=user,
        course=course,
        lesson=found,
    )


@router.get(
    f"{LESSON}/session.ipynb",
    response_class=Response,
    responses={
        200: {"content": {"application/x-ipynb+json": {"schema": {"type": "string"}}}},
        **ERRORS,
    },
)
def download_notebook(
    course: str,
    lesson: str,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
    registry: CourseRegistryDep,
) -> Response:
    """The lesson as a Jupyter notebook with the caller's code and outputs."""
    _, found = courses.get_lesson(registry=registry, user=user, course=course, lesson=lesson)
    state = service.read(
        db=db,
        sessions=_sessions(request),
        settings=settings,
        user=user,
        course=course,
        lesson=found,
    )
    return Response(
        lesson_notebook(found, state.cells),
        media_type="application/x-ipynb+json",
        headers={"Content-Disposition": f'attachment; filename="{course}-{lesson}.ipynb"'},
    )


def install(app: Any) -> None:
    """Give the app its registry of live sessions (on the embedded queue's sandbox), ended when
    the app stops."""
    settings = app.state.settings

    def sandbox() -> Any:
        return getattr(getattr(app.state, "runner", None), "sandbox", None)

    app.state.cell_sessions = CellSessions(
        settings=settings, sandbox=sandbox, on_end=service.record_end(app.state.sessionmaker)
    )

    async def stop(app: Any) -> None:
        from anyio import to_thread

        await to_thread.run_sync(app.state.cell_sessions.close)

    app.state.on_stop.append(stop)
