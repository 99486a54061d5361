"""The worker's side of a grader: it starts the grader host and relays the judge's requests.

A course author's ``grader.py`` never runs in the worker (which holds the database handle and
the secret key, and may run as root). ``GraderHost`` starts ``python -m
feynlab.grading.grader_host`` per grading, inside bubblewrap with a view of its own: the Python
stack and Feynlab read-only, the exercise folder read-only at /exercise, the public data and the
hidden files of the datasets its grader names (``grading_data("mnist", ...)``) under
/feynlab-data, a small /tmp, no network, a cleared environment and its own host user
(``GRADER_UID``, not root and not the learner's). The host's judge sends each request to the
worker, which passes it to the learner's run and relays the reply's frame back untouched: learner
data is decoded in the host. The host's conclusion comes back as plain JSON and becomes the same
``Execution`` values as before; a host that dies, hangs past the run's deadline or sends garbage
is the author's fault.
"""

from __future__ import annotations

import ast
import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from feynlab import pysource
from feynlab.datasets.service import DATASETS
from feynlab.grading.classify import (
    Execution,
    Graded,
    GraderBroke,
    LearnerRaised,
    MissingFunction,
    Unanswered,
    Unreadable,
)
from feynlab.grading.result import Result
from feynlab.sandbox.protocol import ChannelClosed, ProtocolError, recv_frame, send_frame
from feynlab.sandbox.run import CallTimeout, LiveRun, RunEnded
from feynlab.sandbox.zygote_process import STAGE_DIR, STAGE_SCRIPT, Bind, inside, python_binds

GRADER_UID = 65533  # host user of graders: not root, not the learner sandbox's (65534)
GRADER_MEMORY_MB = 4096  # address space of the host (numpy maps more than it touches)
GRADER_TMP_BYTES = 64 * 1024 * 1024
HOST_EXERCISE_DIR = "/exercise"
HOST_DATA_DIR = "/feynlab-data"
HOST_GRACE_S = 5.0  # past the run's deadline, a host still grading is hung
HOST_START_S = 60.0  # to start and load the grader, before the learner's run begins
MAX_HOST_HEADER_BYTES = 16 * 1024 * 1024  # a conclusion with predictions for every test item
MAX_HOST_BUFFER_BYTES = 1024 * 1024 * 1024  # the inputs a grader sends to the learner's code
ALLOWED_OPS = frozenset({"call", "new", "handle"})  # the judge's requests; never load/run/finish
DATASET_CALLS = frozenset({"grading_data", "load_hidden", "load_test_inputs"})
MAX_TEXT = 20_000


class HostBroke(Exception):
    """The grader host died, hung or broke the protocol: the author's fault."""


def grader_datasets(exercise_dir: Path) -> list[str]:
    """The datasets whose hidden files the exercise's grader names: the first argument of its
    calls to ``grading_data`` / ``load_hidden`` / ``load_test_inputs``, as a literal."""
    found: set[str] = set()
    for path in sorted(exercise_dir.glob("*.py")):
        if path.name in ("solution.py", "starter.py"):
            continue
        try:
            tree = pysource.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError):
            continue  # the grader fails on its own, in the host
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if (
                name in DATASET_CALLS
                and isinstance(first, ast.Constant)
                and first.value in DATASETS
            ):
                found.add(str(first.value))
    return sorted(found)


def grader_view(exercise_dir: Path, data_dir: Path, datasets: Sequence[str]) -> list[Bind]:
    """Every host path the grader host sees, read-only."""
    binds = python_binds()
    binds.append(Bind(str(exercise_dir.resolve()), HOST_EXERCISE_DIR))
    public = data_dir / "public"
    if public.is_dir():
        binds.append(Bind(str(public.resolve()), f"{HOST_DATA_DIR}/public"))
    for name in datasets:
        hidden = data_dir / "hidden" / name
        if hidden.is_dir():
            binds.append(Bind(str(hidden.resolve()), f"{HOST_DATA_DIR}/hidden/{name}"))
    return binds


def _host_env(binds: Sequence[Bind] | None) -> dict[str, str]:
    env = {
        "HOME": "/tmp",
        "PATH": "/usr/bin:/bin",
        "KERAS_BACKEND": "torch",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
    }
    src = str(Path(__file__).resolve().parents[2])
    if binds is not None and inside(binds, src) != src:
        env["PYTHONPATH"] = inside(binds, src)
    elif binds is None:
        env["PYTHONPATH"] = src
    return env


def bwrap_grader_args(
    binds: Sequence[Bind], *, sources: Sequence[str], uid: int, host_argv: Sequence[str]
) -> list[str]:
    """The bubblewrap command of a grader host (its own view; not the learner sandbox's)."""
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--uid", str(uid), "--gid", str(uid), "--hostname", "feynlab-grader"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
    for bind, source in zip(binds, sources, strict=True):
        args += ["--ro-bind", source, bind.dest]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(GRADER_TMP_BYTES), "--tmpfs", "/tmp"]
    args += ["--remount-ro", "/", "--chdir", HOST_EXERCISE_DIR]
    for key, value in _host_env(binds).items():
        args += ["--setenv", key, value]
    return [*args, inside(binds, sys.executable), *host_argv]


def _readable_copy(source: Path, dest: Path) -> Path:
    """A snapshot of the exercise folder that the grader's user may read (links kept as links:
    their targets are not in the grader's view)."""
    shutil.copytree(source, dest, symlinks=True)
    for root, _dirs, files in os.walk(dest):
        os.chmod(root, 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)
    return dest


class GraderHost:
    """One grader host process and the worker's end of its channel."""

    def __init__(
        self,
        *,
        exercise_dir: Path,
        data_dir: Path,
        isolate: bool,
        cpu_s: float,
        memory_mb: int = GRADER_MEMORY_MB,
        uid: int = GRADER_UID,
        hidden_data: bool = True,
        grader: str = "grader.py",
        module: str = "feynlab_grader",
    ) -> None:
        """Start the host and have it load ``grader`` (a file of the exercise folder) as
        ``module`` at once: a spare host has its grader loaded before its grading starts."""
        self._copy: str | None = None
        self._hidden_data = hidden_data  # False: no dataset's hidden files (public checks)
        try:
            self._start(exercise_dir, data_dir, isolate, cpu_s, memory_mb, uid)
        except BaseException:
            if self._copy is not None:
                shutil.rmtree(self._copy, ignore_errors=True)
            raise
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        with contextlib.suppress(HostBroke):  # a host gone at once is reported by wait_ready
            self.send({"kind": "load", "grader": f"{self.exercise_dir}/{grader}", "module": module})

    def _start(
        self,
        exercise_dir: Path,
        data_dir: Path,
        isolate: bool,
        cpu_s: float,
        memory_mb: int,
        uid: int,
    ) -> None:
        self.sock, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        host_argv = [
            "-m",
            "feynlab.grading.grader_host",
            str(child.fileno()),
            str(memory_mb),
            str(max(1, math.ceil(cpu_s))),
        ]
        if isolate:
            if os.geteuid() == 0:  # the grader's user must read it, whatever its owner allowed
                self._copy = tempfile.mkdtemp(prefix="feynlab-grader-")  # 0700: only root
                exercise_dir = _readable_copy(exercise_dir, Path(self._copy) / "exercise")
            datasets = grader_datasets(exercise_dir) if self._hidden_data else []
            binds = grader_view(exercise_dir, data_dir, datasets)
            self.exercise_dir, self.public_dir = HOST_EXERCISE_DIR, f"{HOST_DATA_DIR}/public"
            if os.geteuid() == 0:  # stage the sources as root, then drop to the grader's user
                staged = [f"{STAGE_DIR}/{i}" for i in range(len(binds))]
                inner = bwrap_grader_args(binds, sources=staged, uid=uid, host_argv=host_argv)
                os.makedirs(STAGE_DIR, exist_ok=True)
                cmd = [
                    "unshare", "--mount", "--propagation", "private", "--",
                    "env", f"STAGE={STAGE_DIR}", f"SANDBOX_UID={uid}",
                    "sh", "-c", STAGE_SCRIPT, "sh", *[b.source for b in binds], "--", *inner,
                ]  # fmt: skip
            else:
                src = [b.source for b in binds]
                cmd = bwrap_grader_args(binds, sources=src, uid=uid, host_argv=host_argv)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        else:  # FEYNLAB_UNSAFE_NO_SANDBOX: still its own process, without secrets
            self.exercise_dir, self.public_dir = str(exercise_dir), str(data_dir / "public")
            cmd = [sys.executable, *host_argv]
            env = _host_env(None)
        self._stderr = b""
        try:
            self.process = subprocess.Popen(
                cmd,
                pass_fds=[child.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        finally:
            child.close()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr = (self._stderr + line)[-8192:]

    @property
    def stderr_tail(self) -> str:
        return self._stderr.decode(errors="replace")

    def send(self, header: dict[str, Any], buffers: list[memoryview] | None = None) -> None:
        try:
            send_frame(self.sock, header, buffers or [])
        except OSError as exc:
            raise HostBroke(f"the grader process is gone ({exc})") from None

    def receive(self, deadline: float) -> tuple[dict[str, Any], list[memoryview]]:
        """The host's next frame, read strictly; no wait outlives ``deadline``."""
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            return recv_frame(
                self.sock,
                max_buffer_bytes=MAX_HOST_BUFFER_BYTES,
                max_header_bytes=MAX_HOST_HEADER_BYTES,
            )
        except TimeoutError:
            raise HostBroke("the grader did not finish within the run's time limit") from None
        except ChannelClosed:
            time.sleep(0.05)  # let its last words reach the stderr tail
            raise HostBroke(f"the grader process ended: {self.stderr_tail[-4000:]}") from None
        except (ProtocolError, OSError) as exc:
            raise HostBroke(f"the grader process sent something unreadable: {exc}") from None

    def stop(self) -> None:
        """End the host now (it can do nothing more for anyone); ``reap`` waits for it."""
        with contextlib.suppress(OSError):
            self.sock.close()
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def reap(self) -> None:
        """Wait for the stopped host to be gone and remove its copy of the exercise."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)

    def close(self) -> None:
        self.stop()
        self.reap()


def wait_ready(host: GraderHost, deadline: float) -> GraderBroke | None:
    """None once the host has loaded the grader; why not otherwise (the author's fault).

    A host that never said ``started`` (bubblewrap or Python failed) raises HostBroke: that is
    the platform's fault, not the author's.
    """
    header, _ = host.receive(deadline)
    if header.get("kind") != "started":
        raise HostBroke("the grader process did not start")
    try:
        header, _ = host.receive(deadline)
    except HostBroke as exc:
        return GraderBroke(str(exc))
    if header.get("kind") == "ready":
        return None
    if header.get("kind") == "done":
        loaded = conclusion(header)
        return loaded if isinstance(loaded, GraderBroke) else GraderBroke("no grader loaded")
    return GraderBroke("the grader process sent something unexpected before it was ready")


def relay(live: LiveRun, host: GraderHost) -> Execution:
    """Let the host's grader ask its questions; its conclusion as an ``Execution``."""
    deadline = live.deadline + HOST_GRACE_S
    try:
        host.send({"kind": "grade"})
        while True:
            header, buffers = host.receive(deadline)
            kind = header.get("kind")
            if kind == "done":
                return conclusion(header)
            if kind != "request":
                raise HostBroke("the grader process sent a frame of an unknown kind")
            answer = _answer(live, header, buffers)
            try:
                host.send(*answer)
            except HostBroke:
                # The host reads a reply's header before its buffers: one it refuses (an array
                # of an absurd shape) ends it while the rest is still being sent. What it said
                # before leaving is the conclusion, not the broken pipe.
                last = _last_words(host)
                if last is None:
                    raise
                return last
    except HostBroke as exc:
        return GraderBroke(str(exc))


def _last_words(host: GraderHost) -> Execution | None:
    """The ``done`` frame a host sent just before it went away, if it sent one."""
    try:
        header, _ = host.receive(time.monotonic() + 1.0)
    except HostBroke:
        return None
    return conclusion(header) if header.get("kind") == "done" else None


def _answer(
    live: LiveRun, header: dict[str, Any], buffers: list[memoryview]
) -> tuple[dict[str, Any], list[memoryview]]:
    request = header.get("request")
    timeout_s = header.get("timeout_s")
    if not isinstance(request, dict) or request.get("op") not in ALLOWED_OPS:
        return {"kind": "refused", "message": "graders may only call the learner's code"}, []
    if timeout_s is not None and (
        isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s <= 0
    ):
        return {"kind": "refused", "message": "timeout_s must be a positive number"}, []
    try:
        reply, reply_buffers = live.request(request, buffers, timeout_s=timeout_s)
    except RunEnded as exc:
        return {"kind": "ended", "message": str(exc)}, []
    except CallTimeout as exc:
        return {"kind": "timeout", "message": str(exc)}, []
    except ValueError as exc:  # a header strict JSON refuses (the grader's own arguments)
        return {"kind": "refused", "message": f"cannot send that request: {exc}"}, []
    return {"kind": "reply", "reply": reply}, reply_buffers


def conclusion(header: dict[str, Any]) -> Execution:
    """The host's ``done`` frame as the ``Execution`` classify() expects."""
    outcome = header.get("outcome")
    if outcome == "graded":
        return _graded(header.get("result"))
    if outcome == "not-result":
        kind = _text(header.get("type"), 100)
        return GraderBroke(f"grade() returned a {kind}, not a feynlab.grading.result.Result")
    if outcome == "learner-raised":
        return LearnerRaised(_text(header.get("traceback")), _text(header.get("exc_type"), 100))
    if outcome == "missing":
        return MissingFunction(_text(header.get("name"), 200))
    if outcome == "unanswered":
        return Unanswered()
    if outcome == "unreadable":
        return Unreadable(_text(header.get("reason"), 500))
    if outcome == "broke":
        return GraderBroke(_text(header.get("traceback")) or "the grader failed")
    return GraderBroke("the grader process sent a conclusion of an unknown kind")


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value[-limit:] if isinstance(value, str) else ""


RESULT_TYPES: dict[str, tuple[type, ...]] = {
    "score": (int, float, type(None)),
    "passed": (bool, type(None)),
    "metrics": (dict,),
    "feedback": (str,),
    "summary": (str,),  # the result in plain words (Result.summary)
    "artifacts": (dict,),
    "staff_metrics": (dict,),
    "predictions": (dict, type(None)),
}


def _graded(fields: Any) -> Execution:
    if not isinstance(fields, dict) or set(fields) - set(RESULT_TYPES):
        return GraderBroke("the grader process sent a malformed Result")
    for name, value in fields.items():
        if not isinstance(value, RESULT_TYPES[name]) or (
            name == "score" and isinstance(value, bool)
        ):
            return GraderBroke(f"grade() returned a malformed Result: {name} is a {type(value)}")
    return Graded(Result(**fields))
