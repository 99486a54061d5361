"""The grader host: runs one exercise's ``grade(judge)`` in an unprivileged process of its own.

Started by the worker (grading/grader_process.py) as ``python -m feynlab.grading.grader_host FD
MEMORY_MB CPU_S``, inside its own bubblewrap view. Its limits are set before anything else is
imported. Over the socket ``FD`` it says ``started``, receives ``load`` (where the grader is) and
loads it, which a spare host does before its grading is asked for; then ``start`` (the view
seed, the pass bar) and answers ``ready``, then on ``grade`` runs it: each judge
request goes to the worker as a ``request`` frame and comes back as the learner's reply frame
(decoded here, strictly, by the judge), or as ``ended`` / ``timeout`` / ``refused``. It ends
with one ``done`` frame: the Result's fields as JSON, or which exception ended ``grade()``.
"""

from __future__ import annotations

import resource
import sys


def _limit(memory_mb: int, cpu_s: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


if __name__ == "__main__":
    _limit(int(sys.argv[2]), int(sys.argv[3]))

import dataclasses  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import numpy.random  # noqa: E402, F401 -- NumPy 2 loads it lazily: 12 ms at the judge's rng

from feynlab.grading.judge import Judge, LearnerError, MissingFunction  # noqa: E402
from feynlab.grading.result import Result  # noqa: E402
from feynlab.sandbox.protocol import (  # noqa: E402
    MAX_HEADER_BYTES,
    ProtocolError,
    recv_frame,
    send_frame,
)

# feynlab.sandbox.run (the worker's side of a run: PIL, subprocess...) is imported only when a run
# ends or a call times out: a tenth of a second less per grading.


def _run_module() -> Any:
    import feynlab.sandbox.run as run

    return run


def _run_ended(exc: BaseException) -> bool:
    run = sys.modules.get("feynlab.sandbox.run")  # not imported: nothing raised its exceptions
    return run is not None and isinstance(exc, run.RunEnded | run.CallTimeout)


class RelayedRun:
    """The learner's run as the host's judge sees it: every request goes through the worker."""

    def __init__(self, sock: socket.socket, reply_bytes: int) -> None:
        self.sock = sock
        self.reply_bytes = reply_bytes

    def request(
        self,
        header: dict[str, Any],
        buffers: list[memoryview] | None = None,
        *,
        timeout_s: float | None = None,
    ) -> tuple[dict[str, Any], list[memoryview]]:
        send_frame(self.sock, {"kind": "request", "request": header, "timeout_s": timeout_s},
                   buffers or [])  # fmt: skip
        frame, reply_buffers = recv_frame(
            self.sock, max_buffer_bytes=self.reply_bytes, max_header_bytes=2 * MAX_HEADER_BYTES
        )
        kind = frame.get("kind")
        if kind == "reply" and isinstance(frame.get("reply"), dict):
            return frame["reply"], reply_buffers
        if kind == "ended":
            raise _run_module().RunEnded(str(frame.get("message", "the learner process is gone")))
        if kind == "timeout":
            raise _run_module().CallTimeout(str(frame.get("message", "no answer in time")))
        raise ValueError(str(frame.get("message", "the worker refused the request")))


def _load(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {Path(path).name}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "grade", None)):
        raise AttributeError(f"{Path(path).name} does not define grade(judge)")
    return module


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"a {type(value).__name__} cannot be stored with a verdict")


def _tb(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def grade(grader: ModuleType, judge: Judge) -> dict[str, Any]:
    """Run ``grade(judge)``; the ``done`` frame that says how it ended."""
    try:
        result = grader.grade(judge)
    except LearnerError as exc:
        return {"outcome": "learner-raised", "traceback": exc.traceback, "exc_type": exc.exc_type}
    except MissingFunction as exc:
        return {"outcome": "missing", "name": exc.name}
    except ProtocolError as exc:
        return {"outcome": "unreadable", "reason": str(exc)}
    except Exception as exc:
        if _run_ended(exc):
            return {"outcome": "unanswered"}
        return {"outcome": "broke", "traceback": _tb(exc)}
    if not isinstance(result, Result):
        return {"outcome": "not-result", "type": type(result).__name__}
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(Result)}
    try:
        fields = json.loads(json.dumps(fields, default=_plain, allow_nan=False))
    except (TypeError, ValueError) as exc:
        return {"outcome": "broke", "traceback": f"grade() returned a malformed Result: {exc}"}
    return {"outcome": "graded", "result": fields}


def main(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    send_frame(sock, {"kind": "started"}, [])  # the platform's part went well
    load, _ = recv_frame(sock, max_buffer_bytes=0)
    try:
        grader = _load(load["grader"], load["module"])
    except BaseException as exc:  # SystemExit at import is the author's too
        send_frame(sock, {"kind": "done", "outcome": "broke", "traceback": _tb(exc)}, [])
        return
    start, _ = recv_frame(sock, max_buffer_bytes=0)
    judge = Judge(
        RelayedRun(sock, int(start["reply_bytes"])),
        public_dir=Path(start["public_dir"]),
        default_timeout_s=float(start["default_timeout_s"]),
        view_seed=int(start["view_seed"]),
        pass_bar=start.get("pass_bar"),
        view=start.get("view"),
    )
    send_frame(sock, {"kind": "ready"}, [])
    go, _ = recv_frame(sock, max_buffer_bytes=0)
    if go.get("kind") != "grade":
        return
    done = grade(grader, judge)
    try:
        send_frame(sock, {"kind": "done", **done}, [])
    except ValueError as exc:  # a traceback or Result strict JSON refuses
        send_frame(sock, {"kind": "done", "outcome": "broke", "traceback": str(exc)}, [])


if __name__ == "__main__":
    main(int(sys.argv[1]))
