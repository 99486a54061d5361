"""The start-up check that no file learner code can read has the content of a hidden file.

The sandbox's file view is an allow-list (see ``zygote_process.sandbox_view``), but a copy of a
test set's labels can still land in it by mistake: an operator copying ``hidden/`` into
``public/``, a package that ships a benchmark inside the virtualenv. Before grading,
``feynlab serve``, ``feynlab worker``, ``feynlab courses check`` (and every other way a
``Sandbox`` starts) compare the files under ``<data_dir>/hidden`` with every regular file the
sandbox mounts: by size first, then by SHA-256 for the few files whose size matches, so that a
view of tens of thousands of files costs a fraction of a second.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feynlab.settings import Settings

log = logging.getLogger(__name__)
SHOWN = 5  # copies named in the message; the rest are counted


@dataclass(frozen=True)
class Copy:
    visible: str  # the host path of the file the sandbox can read
    hidden: str  # the hidden file it has the content of


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def _regular_files(root: str) -> Iterator[tuple[str, int]]:
    """(path, size) of every regular file under ``root`` (or ``root`` itself), no symlinks:
    inside the sandbox a link resolves within its view, whose files are walked anyway."""
    try:
        st = os.stat(root)
    except OSError:
        return
    if not os.path.isdir(root):
        yield root, st.st_size
        return
    todo = [root]
    while todo:
        current = todo.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            todo.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            yield entry.path, entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue


def _hidden_contents(hidden_dir: Path) -> dict[int, dict[str, str]]:
    """size -> {sha256: path} of every hidden file (an empty file has no content to leak)."""
    contents: dict[int, dict[str, str]] = {}
    for path, size in _regular_files(str(hidden_dir)):
        digest = _digest(path) if size > 0 else None
        if digest is not None:
            contents.setdefault(size, {}).setdefault(digest, path)
    return contents


def _copies_in(root: str, contents: dict[int, dict[str, str]]) -> list[Copy]:
    copies = []
    for path, size in _regular_files(root):
        if size in contents:
            hidden = contents[size].get(_digest(path) or "")
            if hidden is not None:
                copies.append(Copy(visible=path, hidden=hidden))
    return copies


# (root, what the hidden files hold) found clean: the Python installation and the virtualenv
# are walked once per process, not once per sandbox (tests start many, on many data folders).
_clean: set[tuple[str, frozenset[tuple[int, str]]]] = set()


def find_copies(hidden_dir: Path, roots: Sequence[str]) -> list[Copy]:
    """Files under ``roots`` whose content is that of a file under ``hidden_dir``. Roots in the
    data folder are walked every time; others are remembered once found clean."""
    contents = _hidden_contents(hidden_dir)
    if not contents:
        return []
    signature = frozenset((size, d) for size, digests in contents.items() for d in digests)
    data = str(hidden_dir.parent)
    copies: list[Copy] = []
    for root in dict.fromkeys(roots):
        key = (root, signature)
        if key in _clean:
            continue
        found = _copies_in(root, contents)
        copies += [c for c in found if c.visible not in {k.visible for k in copies}]
        if not found and not (root == data or root.startswith(data + "/")):
            _clean.add(key)
    return copies


def refusal(hidden_dir: Path, roots: Sequence[str]) -> str | None:
    """Why grading must not start (a message for the operator), or None when the view is clean."""
    started = time.monotonic()
    copies = find_copies(hidden_dir, roots)
    log.info("hidden-data exposure check: %.2f s", time.monotonic() - started)
    if not copies:
        return None
    named = "; ".join(f"{c.visible} (a copy of {c.hidden})" for c in copies[:SHOWN])
    more = f" and {len(copies) - SHOWN} more" if len(copies) > SHOWN else ""
    return (
        "Feynlab will not grade: learner code could read the content of hidden files, which "
        f"must never enter the sandbox. Readable inside the sandbox: {named}{more}. Remove or "
        "move those files out of the folders the sandbox mounts (the public data folder, the "
        "Python installation, the virtualenv), then start again."
    )


def check(settings: Settings) -> str | None:
    """``refusal`` for the sandbox these settings start (``feynlab serve`` and ``worker`` call
    it before anything else, so that they stop with the message instead of failing later)."""
    from feynlab.sandbox.namespaces import probe
    from feynlab.sandbox.zygote_process import sandbox_view

    if settings.unsafe_no_sandbox and probe() is not None:
        return None  # no isolation at all, as the operator chose: there is no view to check
    public = settings.data_dir / "public"
    view = sandbox_view(public if public.is_dir() else None)
    return refusal(settings.data_dir / "hidden", [b.source for b in view])
