"""Reading a course folder, optionally with some files replaced by candidate contents (the
authoring page checks a save before writing it)."""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Mapping
from pathlib import Path

SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints"}


class CourseFiles:
    """The files of one course folder, addressed by POSIX paths relative to it."""

    def __init__(self, root: Path, overrides: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.overrides = dict(overrides or {})

    def _path(self, rel: str) -> Path:
        return self.root / rel

    def inside(self, rel: str) -> bool:
        """False when ``rel`` resolves (through a symlink or '..') outside the course folder."""
        normal = posixpath.normpath(rel)
        if normal.startswith("../") or normal == ".." or posixpath.isabs(normal):
            return False
        return self._path(normal).resolve().is_relative_to(self.real_root)

    def exists(self, rel: str) -> bool:
        return rel in self.overrides or self._path(rel).is_file()

    def is_dir(self, rel: str) -> bool:
        prefix = rel.rstrip("/") + "/"
        return self._path(rel).is_dir() or any(p.startswith(prefix) for p in self.overrides)

    def read(self, rel: str) -> str:
        """The text of ``rel``; raises OSError, UnicodeDecodeError or PermissionError."""
        if rel in self.overrides:
            return self.overrides[rel]
        if not self.inside(rel):
            raise PermissionError("it is a link pointing outside the course folder")
        return self._path(rel).read_text(encoding="utf-8")

    def listdir(self, rel: str) -> list[str]:
        """Names directly inside the folder ``rel`` (files and folders), candidates included."""
        names: set[str] = set()
        folder = self._path(rel)
        if folder.is_dir():
            names.update(p.name for p in folder.iterdir() if p.name not in SKIPPED)
        prefix = rel.rstrip("/") + "/" if rel else ""
        for path in self.overrides:
            if path.startswith(prefix):
                names.add(path[len(prefix) :].split("/", 1)[0])
        return sorted(names)


def content_hash(root: Path) -> str:
    """SHA-256 over every file's relative path and bytes: changes when anything changes."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            digest.update(rel.encode() + b"\0")
            try:
                digest.update(
                    path.read_bytes() if not path.is_symlink() else os.readlink(path).encode()
                )
            except OSError:
                digest.update(b"<unreadable>")
            digest.update(b"\0")
    return digest.hexdigest()
