"""The course index: loads every course folder, records it in the ``courses`` table and keeps
serving the last good version of a course whose folder became invalid (across restarts too)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from anyio import to_thread
from fastapi import Depends, Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from feynlab.courses.content import Course
from feynlab.courses.loader import LoadResult, load_all, load_course
from feynlab.courses.models import CourseRecord
from feynlab.courses.problems import Problem
from feynlab.db import utcnow

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("feynlab.courses")


@dataclass(frozen=True)
class CourseEntry:
    """A course as the platform serves it: ``course`` is the current or last good version."""

    slug: str
    status: Literal["ok", "invalid"]
    problems: tuple[Problem, ...]
    course: Course | None
    stale: bool
    """True when ``course`` is an older good version because the folder is invalid now."""
    title: str
    summary: str
    level: str
    content_hash: str
    indexed_at: datetime


class CourseRegistry:
    """Every course of ``courses_dir``, in memory, mirrored into the ``courses`` table."""

    def __init__(
        self, *, courses_dir: Path, sessions: sessionmaker[Session], refresh_s: float = 2.0
    ) -> None:
        self.courses_dir = courses_dir
        self._sessions = sessions
        self._entries: dict[str, CourseEntry] = {}
        self._lock = threading.Lock()
        self.loaded = False
        self.refresh_s = refresh_s
        self._checked_at = 0.0

    def stale(self) -> bool:
        """True when the ``courses`` table should be compared with this process's index."""
        return time.monotonic() - self._checked_at >= self.refresh_s

    def refresh(self) -> list[str]:
        """Pick up what another process indexed (an authoring save on another replica): every
        course whose stored content hash differs from ours is loaded again. Returns their slugs."""
        self._checked_at = time.monotonic()
        with self._sessions() as db:
            stored = dict(db.execute(select(CourseRecord.slug, CourseRecord.content_hash)).all())
        mine = {slug: entry.content_hash for slug, entry in self._entries.items()}
        changed = sorted(
            slug for slug in set(stored) | set(mine) if stored.get(slug) != mine.get(slug)
        )
        for slug in changed:
            self.reload(slug)
        return changed

    def entries(self) -> list[CourseEntry]:
        return sorted(self._entries.values(), key=lambda entry: entry.slug)

    def get(self, slug: str) -> CourseEntry | None:
        return self._entries.get(slug)

    def folder(self, slug: str) -> Path:
        return self.courses_dir / slug

    def reload(self, slug: str | None = None) -> list[CourseEntry]:
        """Load one course folder, or all of them (forgetting folders that disappeared)."""
        with self._lock:
            if slug is None:
                results = load_all(self.courses_dir)
            elif self.folder(slug).is_dir():
                results = [load_course(self.folder(slug))]
            else:
                results = []
            with self._sessions() as db:
                entries = [self._record(db, result) for result in results]
                gone = set(self._entries) - {e.slug for e in entries}
                if slug is not None:
                    gone &= {slug}
                if slug is None:
                    on_disk = {e.slug for e in entries}
                    gone |= set(db.scalars(select(CourseRecord.slug))) - on_disk
                if gone:
                    db.execute(delete(CourseRecord).where(CourseRecord.slug.in_(gone)))
                db.commit()
            for name in gone:
                self._entries.pop(name, None)
            for entry in entries:
                self._entries[entry.slug] = entry
            self.loaded = True
            self._checked_at = time.monotonic()
            for entry in entries:
                if entry.problems:
                    log.warning(
                        "course %s has %d problem(s)%s",
                        entry.slug,
                        len(entry.problems),
                        "; serving its last good version" if entry.course else "",
                    )
            return entries

    def _record(self, db: Session, result: LoadResult) -> CourseEntry:
        row = db.get(CourseRecord, result.slug)
        if row is None:
            row = CourseRecord(slug=result.slug, snapshot=None)
            db.add(row)
        row.status = "ok" if result.ok else "invalid"
        row.problems = [p.as_dict() for p in result.problems]
        row.content_hash = result.content_hash
        row.indexed_at = utcnow()
        served = result.course
        if served is not None:
            if row.snapshot_hash != result.content_hash:
                row.snapshot = served.model_dump(mode="json")
                row.snapshot_hash = result.content_hash
        elif row.snapshot is not None:
            served = self._from_snapshot(result.slug, row)
        source = served if served is not None else result
        row.title = source.title or result.slug
        row.summary = source.summary
        row.level = source.level
        return CourseEntry(
            slug=result.slug,
            status="ok" if result.ok else "invalid",
            problems=result.problems,
            course=served,
            stale=served is not None and not result.ok,
            title=row.title,
            summary=row.summary,
            level=row.level,
            content_hash=result.content_hash,
            indexed_at=row.indexed_at,
        )

    def _from_snapshot(self, slug: str, row: CourseRecord) -> Course | None:
        cached = self._entries.get(slug)
        if cached is not None and cached.course is not None:
            return cached.course
        try:
            return Course.model_validate(row.snapshot)
        except ValueError:
            log.exception("the stored snapshot of course %s no longer loads", slug)
            return None


async def get_registry(request: Request) -> CourseRegistry:
    """The app's registry, created and loaded on first use if start-up did not do it (the load
    reads the course folders, in a worker thread; the usual case is a lookup, in the loop)."""
    app = request.app
    registry: CourseRegistry | None = getattr(app.state, "courses", None)
    if registry is None:
        registry = CourseRegistry(
            courses_dir=app.state.settings.courses_dir,
            sessions=app.state.sessionmaker,
            refresh_s=app.state.settings.course_refresh_s,
        )
        app.state.courses = registry
    if not registry.loaded:
        await to_thread.run_sync(registry.reload)
    elif registry.stale():  # another replica may have changed a course: one cheap query
        await to_thread.run_sync(registry.refresh)
    return registry


CourseRegistryDep = Annotated[CourseRegistry, Depends(get_registry)]


async def index_courses_on_start(app: FastAPI) -> None:
    """Start-up hook: index every course folder before the first request."""
    registry = CourseRegistry(
        courses_dir=app.state.settings.courses_dir,
        sessions=app.state.sessionmaker,
        refresh_s=app.state.settings.course_refresh_s,
    )
    app.state.courses = registry
    entries = await to_thread.run_sync(registry.reload)
    log.info("indexed %d course(s) from %s", len(entries), registry.courses_dir)
