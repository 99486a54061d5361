"""Lesson sessions: run a learner's cell in their live session, keep its code and outputs,
restart, and say plainly when and why a session ended."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.courses.content import Lesson
from feynlab.db import utcnow
from feynlab.errors import AppError, Conflict, NotFound, TooMany
from feynlab.sandbox.session import SessionBusy, SessionFull
from feynlab.sandbox.zygote import profile_of
from feynlab.sessions.live import CellSessions, Entry, Key, SessionsUnavailable
from feynlab.sessions.models import CellSession, LessonCell
from feynlab.sessions.schemas import (
    CellOutput,
    CellRunRead,
    LessonCellRead,
    LessonSessionRead,
    RunningCellRead,
    SessionEnd,
    SessionState,
    TrainingProgress,
)
from feynlab.settings import Settings
from feynlab.submissions.service import check_code

MAX_STORED_BYTES = 4 * 1024 * 1024  # a cell's stored outputs; figures past it are left out
GONE = "Variables from earlier cells are gone: run the cells again, from the top."


class Unavailable(AppError):
    status_code = 503
    code = "unavailable"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    if seconds >= 60:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


def end_message(reason: str, settings: Settings) -> str:
    """What ended a session, and what that means, for a learner."""
    s = settings
    what = {
        "restart": "You restarted the session.",
        "idle": f"The session was stopped after {_duration(s.cell_session_idle_s)} without a "
        "run, to free the server for others.",
        "cpu": f"The session used all its computing time ({s.cell_session_cpu_s:g} s of CPU "
        "for the whole session).",
        "memory": f"The session used more memory than allowed ({s.cell_session_memory_mb} MB "
        "for the whole session). Use smaller arrays or fewer copies of the data.",
        "cell-timeout": f"A cell ran longer than {s.cell_session_cell_wall_s:g} seconds, so "
        "the session was stopped. Make the work smaller (fewer epochs, less data).",
        "max-life": "The session reached its longest life "
        f"({_duration(s.cell_session_max_life_s)}).",
        "output-limit": "A cell printed far more than the page can show, so the session was "
        "stopped. Print less (for Keras: verbose=2).",
        "protocol": "Code in the session wrote on the platform's own channel, so the session "
        "was stopped. Print with print() and plot with matplotlib.",
        "crash": "The session's Python process stopped (after exit() or os._exit(), or a "
        "library that crashed).",
        "evicted": "The server needed room for other learners' sessions, and yours had been "
        "unused for longest.",
        "other-lesson": "You started a session in another lesson (each learner keeps "
        f"{s.cell_sessions_per_learner} at a time).",
        "server-restart": "The server was restarted.",
        "platform": "The sandbox failed: a fault of the platform, not of your code.",
    }.get(reason, "The session ended.")
    return f"{what} {GONE}"


def _owner(user: User, course: str, lesson: str) -> Key:
    return (user.id, course, lesson)


def _rows(db: Session, user: User, course: str, lesson: str) -> dict[int, LessonCell]:
    query = select(LessonCell).where(
        LessonCell.user_id == user.id, LessonCell.course == course, LessonCell.lesson == lesson
    )
    return {row.cell: row for row in db.scalars(query)}


def _last_session(db: Session, user: User, course: str, lesson: str) -> CellSession | None:
    query = (
        select(CellSession)
        .where(
            CellSession.user_id == user.id,
            CellSession.course == course,
            CellSession.lesson == lesson,
        )
        .order_by(CellSession.id.desc())
        .limit(1)
    )
    return db.scalars(query).first()


def _cell_read(
    lesson: Lesson, index: int, row: LessonCell | None, entry: Entry | None
) -> LessonCellRead:
    requires = list(lesson.cells[index].requires)
    if row is None:
        return LessonCellRead(index=index, requires=requires)
    return LessonCellRead(
        index=index,
        code=row.code if row.code != lesson.cells[index].code else None,
        outputs=[CellOutput.model_validate(o) for o in row.outputs or []],
        status=row.status,  # type: ignore[arg-type]
        execution_count=row.execution_count,
        ran_at=row.ran_at,
        in_session=entry is not None and row.session_key == entry.key and index in entry.ran,
        requires=requires,
    )


def _state(
    *, db: Session, sessions: CellSessions, settings: Settings, user: User, course: str, lesson: str
) -> tuple[SessionState, Entry | None]:
    s = settings
    common: dict[str, Any] = {
        "cpu_limit_s": s.cell_session_cpu_s,
        "memory_limit_mb": s.cell_session_memory_mb,
        "idle_limit_s": s.cell_session_idle_s,
        "cell_wall_s": s.cell_session_cell_wall_s,
    }
    try:
        sessions.sandbox()
    except SessionsUnavailable as exc:
        return SessionState(available=False, unavailable=str(exc), live=False, **common), None
    entry = sessions.get(_owner(user, course, lesson))
    if entry is not None:
        return (
            SessionState(
                available=True,
                live=True,
                started_at=entry.started_at,
                cells_run=entry.execution_count,
                cpu_s=entry.cpu_s,
                memory_mb=entry.session.memory_mb(),
                **common,
            ),
            entry,
        )
    last = _last_session(db, user, course, lesson)
    ended = None
    if last is not None:
        if last.ended_at is None:  # this process holds no such session: it ended with a server
            last.ended_at, last.end_reason = utcnow(), "server-restart"
            db.commit()
        reason = last.end_reason or "server-restart"
        ended = SessionEnd(
            reason=reason,  # type: ignore[arg-type]
            message=end_message(reason, settings),
            at=last.ended_at,
        )
    return SessionState(available=True, live=False, ended=ended, **common), None


def read(
    *,
    db: Session,
    sessions: CellSessions,
    settings: Settings,
    user: User,
    course: str,
    lesson: Lesson,
) -> LessonSessionRead:
    """The learner's session of ``lesson`` and every cell with their code and outputs."""
    state, entry = _state(
        db=db, sessions=sessions, settings=settings, user=user, course=course, lesson=lesson.slug
    )
    rows = _rows(db, user, course, lesson.slug)
    cells = [_cell_read(lesson, c.index, rows.get(c.index), entry) for c in lesson.cells]
    return LessonSessionRead(**state.model_dump(), cells=cells)


def _cell(lesson: Lesson, index: int) -> None:
    if not 0 <= index < len(lesson.cells):
        raise NotFound(f"The lesson {lesson.slug!r} has no cell {index + 1}.")


def _check_requires(lesson: Lesson, index: int, entry: Entry | None) -> None:
    missing = [r for r in lesson.cells[index].requires if entry is None or not entry.ran.get(r)]
    if missing:
        names = " and ".join(f"cell {r + 1}" for r in missing)
        they = "they make, and they have" if len(missing) > 1 else "it makes, and it has"
        raise Conflict(
            f"Run {names} first: this cell uses what {they} not run (without an error) in this "
            "session yet."
        )


def _stored(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outputs to keep, within MAX_STORED_BYTES (figures past it are named, not kept)."""
    kept: list[dict[str, Any]] = []
    size = 0
    for item in outputs:
        n = len(item.get("data") or "") + len(item.get("text") or "")
        if size + n > MAX_STORED_BYTES:
            kept.append({"type": "note", "text": "More output than is kept; the rest is left out."})
            break
        size += n
        kept.append(CellOutput.model_validate(item).model_dump(exclude_none=True))
    return kept


def run_cell(
    *,
    db: Session,
    sessions: CellSessions,
    settings: Settings,
    user: User,
    course: str,
    lesson: Lesson,
    index: int,
    code: str,
) -> CellRunRead:
    """Run the learner's ``code`` as cell ``index`` in their live session (started if none)."""
    _cell(lesson, index)
    check_code(code=code, max_bytes=settings.max_code_bytes)
    owner = _owner(user, course, lesson.slug)
    _check_requires(lesson, index, sessions.get(owner))
    profile = profile_of(*(c.code for c in lesson.cells), code)
    try:
        entry, fresh = sessions.get_or_start(owner, profile=profile)
    except SessionsUnavailable as exc:
        raise Unavailable(str(exc)) from None
    except SessionFull:
        raise TooMany(
            "Every live session of this server is running a cell now. Try again in a minute.",
            headers={"Retry-After": "30"},
        ) from None
    if fresh:
        db.add(CellSession(key=entry.key, user_id=user.id, course=course, lesson=lesson.slug))
    db.commit()  # no transaction stays open while the cell runs
    try:
        entry.running, entry.running_since = index, time.monotonic()
        outcome = entry.session.run_cell(code, number=index + 1)
    except SessionBusy:
        raise Conflict(
            "Another cell of this lesson is still running. Wait for it to finish, then run "
            "this one."
        ) from None
    finally:
        if entry.running == index:
            entry.running = None
    entry.execution_count += 1
    if outcome.cpu_s is not None:
        entry.cpu_s = outcome.cpu_s
    outputs = list(outcome.outputs)
    status = "ok" if outcome.ok else "error"
    if outcome.ended is not None:
        status = "ended"
        sessions.get(owner)  # records the end
        outputs.append({"type": "note", "text": end_message(outcome.ended, settings)})
    else:
        entry.ran[index] = outcome.ok
    row = _rows(db, user, course, lesson.slug).get(index)
    if row is None:
        row = LessonCell(user_id=user.id, course=course, lesson=lesson.slug, cell=index)
        db.add(row)
    row.code = code
    row.outputs = _stored(outputs)
    row.status = status
    row.execution_count = entry.execution_count
    row.session_key = entry.key
    row.ran_at = row.updated_at = utcnow()
    db.commit()
    state, live = _state(
        db=db, sessions=sessions, settings=settings, user=user, course=course, lesson=lesson.slug
    )
    return CellRunRead(cell=_cell_read(lesson, index, row, live), session=state)


def save_code(
    *,
    db: Session,
    settings: Settings,
    user: User,
    course: str,
    lesson: Lesson,
    index: int,
    code: str | None,
) -> LessonCellRead:
    """Keep the learner's edit of a cell without running it (null: back to the lesson's code;
    the outputs of the last run stay, as a notebook keeps them until the cell runs again)."""
    _cell(lesson, index)
    if code is not None:
        check_code(code=code, max_bytes=settings.max_code_bytes)
    row = _rows(db, user, course, lesson.slug).get(index)
    if row is None:
        if code is None:
            return _cell_read(lesson, index, None, None)
        row = LessonCell(user_id=user.id, course=course, lesson=lesson.slug, cell=index, outputs=[])
        db.add(row)
    row.code = lesson.cells[index].code if code is None else code
    row.updated_at = utcnow()
    db.commit()
    return _cell_read(lesson, index, row, None)


def restart(
    *,
    db: Session,
    sessions: CellSessions,
    settings: Settings,
    user: User,
    course: str,
    lesson: Lesson,
) -> LessonSessionRead:
    sessions.end(_owner(user, course, lesson.slug), "restart")
    return read(
        db=db, sessions=sessions, settings=settings, user=user, course=course, lesson=lesson
    )


def running(*, sessions: CellSessions, user: User, course: str, lesson: str) -> RunningCellRead:
    """The cell running now in the learner's session, with its output so far."""
    try:
        entry = sessions.get(_owner(user, course, lesson))
    except SessionsUnavailable:
        entry = None
    if entry is None or entry.running is None:
        return RunningCellRead()
    progress = entry.session.progress
    return RunningCellRead(
        index=entry.running,
        elapsed_s=time.monotonic() - entry.running_since,
        output=entry.session.live_output(),
        progress=TrainingProgress.model_validate(progress) if progress else None,
    )


def record_end(factory: Callable[[], Session]) -> Callable[[Entry, str], None]:
    """The registry's hook: store when and why a session ended, and what it used."""

    def hook(entry: Entry, reason: str) -> None:
        with factory() as db:
            row = db.scalars(select(CellSession).where(CellSession.key == entry.key)).first()
            if row is None or row.ended_at is not None:
                return
            row.ended_at = utcnow()
            row.end_reason = reason
            row.cells_run = entry.execution_count
            row.cpu_s = entry.session.cpu_s or entry.cpu_s or 0.0
            row.max_memory_mb = entry.session.max_memory_mb
            db.commit()

    return hook
