"""Inside the sandbox: lesson cells run one after another in one namespace, like a notebook
kernel. The trusted side (sandbox/session.py) calls ``run_cell`` through the harness's ``new``
request, once per cell, on one live run that it keeps open between cells.

Like the rest of the harness, nothing here is trusted: learner code runs in this process and
may replace any of it. The trusted side checks the shape and size of what ``run_cell`` returns.
"""

from __future__ import annotations

import ast
import io
import os
import sys
import time
import traceback
import types
from typing import Any

NAMESPACE: dict[str, Any] | None = None
CELL_PREFIX = "cell-"  # cell files are cell-1.py, cell-2.py...: tracebacks name them so
MAX_REPR_CHARS = 10_000
THROUGH_CHARS = 50_000  # shown live, well under the run's output cap (which ends the session)


class CellStream(io.TextIOBase):
    """sys.stdout / sys.stderr during a cell: what is written is kept, in order, up to a cap."""

    def __init__(
        self, name: str, chunks: list[list[str]], budget: list[int], through: Any = None
    ) -> None:
        self.name = name
        self._chunks = chunks
        self._budget = budget  # chars left for the whole cell to keep, and to show live
        self._through = through  # the real stream (a pipe): the page shows it while it runs

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        n = len(text)
        if self._budget[0] <= 0:
            return n
        kept = text[: self._budget[0]]
        self._budget[0] -= len(kept)
        if self._chunks and self._chunks[-1][0] == self.name:
            self._chunks[-1][1] += kept
        else:
            self._chunks.append([self.name, kept])
        if self._through is not None and self._budget[1] > 0:
            shown = kept[: self._budget[1]]
            self._budget[1] -= len(shown)
            try:
                self._through.write(shown)
                self._through.flush()
            except (OSError, ValueError):
                self._through = None
        if self._budget[0] <= 0:
            self._chunks.append(["cut", ""])
        return n

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _namespace() -> dict[str, Any]:
    global NAMESPACE
    if NAMESPACE is None:
        module = types.ModuleType("__main__")
        sys.modules["__main__"] = module
        NAMESPACE = module.__dict__
    return NAMESPACE


def cell_traceback(exc: BaseException, work_dir: str) -> str:
    """The error as a learner reads it: only the frames of their cells, no platform path."""
    from feynlab.sandbox import shims

    def own(filename: str) -> bool:
        return os.path.dirname(filename) == work_dir and os.path.basename(filename).startswith(
            CELL_PREFIX
        )

    tb = traceback.TracebackException.from_exception(exc)
    tb.stack = traceback.StackSummary.from_list([f for f in tb.stack if own(f.filename)])
    tb.__cause__ = tb.__context__ = None
    text = "".join(tb.format()).replace(work_dir + os.sep, "")
    if type(exc).__module__.startswith("feynlab."):
        text = text.replace(f"{type(exc).__module__}.", "")
    note = shims.explain(exc)
    if note:
        text = f"{text.rstrip()}\n{note}\n"
    return shims.hide_paths(text)


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a learner's __repr__ that fails
        text = f"<{type(value).__name__} object: its repr() failed: {exc!r}>"
    if len(text) > MAX_REPR_CHARS:
        text = text[:MAX_REPR_CHARS] + " [... cut ...]"
    return text


def run_cell(code: str, number: int, max_chars: int) -> dict[str, Any]:
    """Run one cell in the session's namespace; the value of a last bare expression is shown,
    as in Jupyter. Figures left open are sent (as events) and closed, before the reply."""
    from feynlab.sandbox import harness

    h = harness.HARNESS
    work_dir = h.work_dir if h is not None else os.getcwd()
    path = os.path.join(work_dir, f"{CELL_PREFIX}{int(number)}.py")
    with open(path, "w") as f:  # tracebacks (linecache) read the cell's lines from here
        f.write(code)
    if h is not None:
        h.filename = path
    namespace = _namespace()
    chunks: list[list[str]] = []
    budget = [int(max_chars), THROUGH_CHARS]
    saved = sys.stdout, sys.stderr
    sys.stdout = CellStream("stdout", chunks, budget, saved[0])
    sys.stderr = CellStream("stderr", chunks, budget, saved[1])
    result: str | None = None
    error: str | None = None
    try:
        tree = ast.parse(code, path)
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            tree.body.pop()
        exec(compile(tree, path, "exec"), namespace)
        if isinstance(last, ast.Expr):
            value = eval(compile(ast.Expression(last.value), path, "eval"), namespace)
            if value is not None:
                result = _repr(value)
    except SystemExit as exc:
        error = (
            f"SystemExit: {exc.code}\nexit() ends a script; in a lesson the session keeps "
            "running (its variables are kept). Use Restart to start afresh.\n"
        )
    except BaseException as exc:
        error = cell_traceback(exc, work_dir)
    finally:
        sys.stdout, sys.stderr = saved
    if h is not None:
        h.send_figures()
    return {
        "ok": error is None,
        "outputs": chunks,
        "result": result,
        "error": error,
        "cpu_s": time.process_time(),  # shown to the learner; the kernel enforces the limit
    }
