"""Authoring: create courses and edit their files, refusing any save that breaks the course."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

import yaml

from feynlab.accounts.models import Role, User
from feynlab.authoring.paths import (
    MAX_FILE_BYTES,
    list_files,
    open_dir,
    read_text,
    runs_on_the_server,
    split_path,
    write_atomic,
)
from feynlab.authoring.schemas import (
    AuthoringCourseRead,
    CourseCreate,
    FileEntry,
    FileRead,
    PreviewCheckOut,
    SavedRead,
)
from feynlab.courses.loader import load_course
from feynlab.courses.problems import Problem
from feynlab.courses.registry import CourseEntry, CourseRegistry
from feynlab.courses.schemas import ProblemRead
from feynlab.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from feynlab.settings import Settings

# One save at a time per course: the check and the write must see the same folder.
_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


class CourseWouldBreak(Invalid):
    """A save refused because the course would have problems; nothing was written."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def problem_read(p: Problem) -> ProblemRead:
    return ProblemRead(file=p.file, line=p.line, message=p.message)


def _read_entry(entry: CourseEntry) -> AuthoringCourseRead:
    return AuthoringCourseRead(
        slug=entry.slug,
        title=entry.title,
        status=entry.status,
        stale=entry.stale,
        problems=[problem_read(p) for p in entry.problems],
    )


def _folder(registry: CourseRegistry, course: str) -> Path:
    split_path(f"{course}/course.yaml")
    folder = registry.folder(course)
    if folder.is_symlink() or not folder.is_dir():
        raise NotFound(f"There is no course folder {course!r}.")
    return folder


def list_courses(*, registry: CourseRegistry) -> list[AuthoringCourseRead]:
    return [_read_entry(entry) for entry in registry.entries()]


def create_course(*, registry: CourseRegistry, data: CourseCreate) -> AuthoringCourseRead:
    """Make a new course folder (a draft, hidden from learners until `draft: false`)."""
    root = registry.courses_dir
    root.mkdir(parents=True, exist_ok=True)
    with _locks[data.slug]:
        if (root / data.slug).exists() or (root / data.slug).is_symlink():
            raise Conflict(f"A course folder {data.slug!r} already exists.")
        manifest = {
            "slug": data.slug,
            "title": data.title,
            "summary": data.summary,
            "level": data.level,
            "draft": True,
            "lessons": [],
            "exercises": [],
        }
        text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
        write_atomic(root, [data.slug, "course.yaml"], text, shown="course.yaml")
        for sub in ("lessons", "exercises", "figures"):
            with open_dir(root, [data.slug, sub], create=True, shown=sub):
                pass
        entries = registry.reload(data.slug)
    return _read_entry(entries[0])


def list_course_files(*, registry: CourseRegistry, course: str) -> list[FileEntry]:
    folder = _folder(registry, course)
    return [FileEntry(path=path, size=size) for path, size in list_files(folder)]


GRADER_READ_ONLY = (
    "Only an admin can change {path} here: it runs on the server with the server's rights when "
    "submissions are graded, so changing it is like changing the platform. Change it in the "
    "course's git repository, or ask an admin (who can also let instructors edit graders with "
    "FEYNLAB_INSTRUCTORS_EDIT_GRADERS=true)."
)


def may_save(*, user: User, settings: Settings, parts: list[str]) -> str | None:
    """None when ``user`` may save the file; otherwise why not, for the authoring page."""
    if not runs_on_the_server(parts) or user.role == Role.admin.value:
        return None
    if settings.instructors_edit_graders:
        return None
    return GRADER_READ_ONLY.format(path="/".join(parts))


def read_file(
    *, registry: CourseRegistry, course: str, path: str, user: User, settings: Settings
) -> FileRead:
    parts = split_path(path)
    folder = _folder(registry, course)
    text = read_text(folder.parent, [folder.name, *parts], shown=path)
    reason = may_save(user=user, settings=settings, parts=parts)
    return FileRead(path=path, content=text, editable=reason is None, read_only_reason=reason)


def _new_problems(folder: Path, path: str, content: str) -> tuple[list[Problem], list[Problem]]:
    """(problems the candidate brings: in the file itself or new elsewhere, all its problems)."""
    before = {(p.file, p.message) for p in load_course(folder).problems}
    after = load_course(folder, overrides={path: content}).problems
    new = [p for p in after if p.file == path or (p.file, p.message) not in before]
    return new, list(after)


def _check_size(content: str) -> None:
    if len(content.encode("utf-8")) > MAX_FILE_BYTES:
        raise TooLarge(f"content: at most {MAX_FILE_BYTES // 1024} KiB per file.")


def save_file(
    *,
    registry: CourseRegistry,
    course: str,
    path: str,
    content: str,
    user: User,
    settings: Settings,
) -> SavedRead:
    """Check the course with the new content; write it atomically only if nothing breaks, then
    reload the course. Problems already present elsewhere do not block fixing one file.
    Code that runs on the server needs an admin (or FEYNLAB_INSTRUCTORS_EDIT_GRADERS)."""
    parts = split_path(path)
    reason = may_save(user=user, settings=settings, parts=parts)
    if reason is not None:
        raise Forbidden(reason)
    _check_size(content)
    folder = _folder(registry, course)
    with _locks[course]:
        new, _ = _new_problems(folder, path, content)
        if new:
            raise CourseWouldBreak(
                f"Not saved: {path} would leave the course with {len(new)} problem(s). "
                "Fix them and save again.",
                new,
            )
        write_atomic(folder.parent, [folder.name, *parts], content, shown=path)
        entries = registry.reload(course)
    return SavedRead(path=path, course=_read_entry(entries[0]))


def preview_check(*, registry: CourseRegistry, path: str, content: str) -> PreviewCheckOut:
    """Problems the file would have, without saving (for marks beside the editor's lines)."""
    course, _, rel = path.partition("/")
    split_path(rel if rel else path)
    _check_size(content)
    folder = _folder(registry, course)
    after = load_course(folder, overrides={rel: content}).problems
    return PreviewCheckOut(
        problems=[problem_read(p) for p in after if p.file == rel],
        other_problems=[problem_read(p) for p in after if p.file != rel],
    )
