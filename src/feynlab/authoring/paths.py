"""Safe file access inside one course folder: relative paths only, no '..', no hidden files,
no symbolic links anywhere on the way (checked with O_NOFOLLOW from directory handles, so a
link swapped in between the check and the use does not escape either), atomic writes."""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from feynlab.errors import Forbidden, Invalid, NotFound, TooLarge

MAX_FILE_BYTES = 256 * 1024
TEXT_SUFFIXES = {".md", ".yaml", ".yml", ".py", ".txt", ".csv", ".json", ".svg"}
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


SANDBOXED_PY = {"starter.py", "solution.py"}  # these run inside the sandbox, like a learner's


def runs_on_the_server(parts: list[str]) -> bool:
    """Python the trusted side runs (an exercise's grader.py and anything it may import): every
    .py file of a course except an exercise's starter.py and solution.py."""
    if Path(parts[-1]).suffix.lower() != ".py":
        return False
    in_exercise = len(parts) == 3 and parts[0] == "exercises"
    return not (in_exercise and parts[-1] in SANDBOXED_PY)


def split_path(path: str) -> list[str]:
    """The segments of a course-relative path, or 422 with what is wrong with it."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        raise Invalid(
            f"path: {path!r} must be relative to the course folder, like lessons/intro.md."
        )
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise Invalid(f"path: {path!r} may not contain '..', '.' or empty parts.")
    if len(parts) > 4 or any(not _SEGMENT.match(part) for part in parts):
        raise Invalid(
            f"path: {path!r} is not allowed: use at most 4 parts of letters, digits, '.', '_' "
            "and '-', none starting with '.'."
        )
    if Path(parts[-1]).suffix.lower() not in TEXT_SUFFIXES:
        allowed = ", ".join(sorted(TEXT_SUFFIXES))
        raise Invalid(f"path: only text files can be edited here ({allowed}).")
    return parts


def _link_refused(path: str) -> Forbidden:
    return Forbidden(f"{path!r} goes through a symbolic link or a non-folder; refused.")


@contextmanager
def open_dir(root: Path, parts: list[str], *, create: bool, shown: str) -> Iterator[int]:
    """A handle on ``root/parts...``, refusing links; missing folders are made when ``create``."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise NotFound(f"{shown!r} does not exist.") from None
                os.mkdir(part, 0o755, dir_fd=fd)
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _link_refused(shown) from None
                raise
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def read_text(root: Path, parts: list[str], *, shown: str) -> str:
    with open_dir(root, parts[:-1], create=False, shown=shown) as folder:
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        except FileNotFoundError:
            raise NotFound(f"{shown!r} does not exist.") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _link_refused(shown) from None
            raise
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Invalid(f"{shown!r} is not a regular file.")
            if info.st_size > MAX_FILE_BYTES:
                raise TooLarge(f"{shown!r} is larger than {MAX_FILE_BYTES // 1024} KiB.")
            data = handle.read(MAX_FILE_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"{shown!r} is not UTF-8 text.") from None


def write_atomic(root: Path, parts: list[str], content: str, *, shown: str) -> None:
    """Write through a temporary file renamed over the target: readers never see half a file."""
    data = content.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(f"content: at most {MAX_FILE_BYTES // 1024} KiB per file.")
    with open_dir(root, parts[:-1], create=True, shown=shown) as folder:
        name = parts[-1]
        try:
            existing = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise _link_refused(shown)
        temp = f".{name}.{secrets.token_hex(6)}.tmp"
        fd = os.open(
            temp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o644,
            dir_fd=folder,
        )
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temp, dir_fd=folder)
            raise


def list_files(folder: Path) -> list[tuple[str, int]]:
    """(relative path, size) of every regular, non-hidden file; links are not followed."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(folder).as_posix(), path.stat().st_size))
    return found
