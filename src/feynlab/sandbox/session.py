"""A live lesson session: one sandboxed Python process that runs a learner's cells in turn.

The process is an ordinary run of the sandbox (forked from the warm zygote, the same namespaces,
seccomp filter, cgroup slot and rlimits) that is kept open between cells instead of ending after
one. Its limits hold for the whole session: the CPU rlimit counts over the process's life, the
memory limit is the process's (its cgroup slot, or RLIMIT_AS), the wall limit is the session's
longest life. One cell at a time may take ``cell_wall_s``; past it the session is ended (a
process cannot be interrupted safely from outside, and a half-run cell leaves half a state).
Each cell runs through ``sandbox/cell_kernel.py`` inside; this side checks what comes back.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from feynlab.sandbox.learner_events import EventBudget, LearnerEvents, OutputScreen
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.pool import Sandbox
from feynlab.sandbox.protocol import Decoder, ProtocolError, encode
from feynlab.sandbox.run import CallTimeout, LiveRun, RunEnded

log = logging.getLogger(__name__)
KERNEL = "feynlab.sandbox.cell_kernel:run_cell"
MAX_CELL_CHARS = 200_000  # what one cell's text outputs may hold, together
MAX_ERROR_CHARS = 20_000
SESSION_REPLY_MB = 4
LIVE_CHARS = 16_000  # the tail of a running cell's output the page is shown
# a cell's events (figures and training updates), counted afresh for every cell
CELL_BUDGET = EventBudget(max_events=2000, max_figures=20)


class SessionFull(Exception):
    """Every session slot of this sandbox is taken."""


class SessionBusy(Exception):
    """A cell of this session is still running."""


@dataclass
class CellOutcome:
    """What one cell did. ``ended`` is set when the session ended during the cell."""

    ok: bool
    outputs: list[dict[str, Any]] = field(default_factory=list)
    ended: str | None = None
    duration_s: float = 0.0
    cpu_s: float | None = None


def session_limits(settings: Any) -> RunLimits:
    """The session's limits: the run defaults, with the session's CPU, memory and life."""
    return RunLimits(
        wall_s=settings.cell_session_max_life_s,
        cpu_s=settings.cell_session_cpu_s,
        memory_mb=settings.cell_session_memory_mb,
        pids=settings.run_pids,
        open_files=settings.run_open_files,
        file_size_mb=settings.run_file_size_mb,
        tmpfs_mb=settings.run_tmpfs_mb,
        output_kb=settings.run_output_kb,
        reply_mb=SESSION_REPLY_MB,
    )


class LiveSession:
    """One learner's Python process for one lesson, kept alive between cells."""

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        limits: RunLimits,
        cell_wall_s: float,
        profile: str,
        seed: int | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.limits = limits
        self.cell_wall_s = cell_wall_s
        self.profile = profile
        self._lock = threading.Lock()
        self._sink_lock = threading.Lock()
        self._close_lock = threading.Lock()
        self._current: list[dict[str, Any]] | None = None
        self._stray: list[dict[str, Any]] = []  # figures that came between cells
        self._live_text = ""  # the running cell's output so far (its tail)
        self.progress: dict[str, Any] | None = None  # its latest Keras training progress
        self._stack = contextlib.ExitStack()
        self.ended: str | None = None
        self.exit_code: int | None = None
        self.cells_run = 0
        self.cpu_s = 0.0
        self.max_memory_mb: float | None = None
        self.started = time.monotonic()
        self.last_used = self.started
        try:
            self.live: LiveRun = self._stack.enter_context(
                sandbox.run(
                    limits=limits, on_event=self._on_event, seed=seed, profile=profile, session=True
                )
            )
        except queue.Empty:
            self._stack.close()
            raise SessionFull("every lesson session slot is taken") from None
        self.slot: int = int(self.live.outcome.extra.get("slot", -1))

    # -- events from the run -------------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind in ("stdout", "stderr"):
            # The running cell's output, shown while it runs; what is kept is what the kernel
            # captured (the same text), so a write straight to the descriptor shows only here.
            with self._sink_lock:
                if self._current is not None:
                    self._live_text = (self._live_text + str(event.get("text", "")))[-LIVE_CHARS:]
            return
        if kind == "progress":
            self.progress = {k: event.get(k) for k in ("epoch", "epochs", "batch", "batches")}
            self.progress["logs"] = dict(event.get("logs") or {})
            return
        if kind == "figure":
            item = {
                "type": "figure",
                "data": event["data"],
                "width": event.get("width"),
                "height": event.get("height"),
            }
        else:
            return  # output-limit: the outcome says what matters
        with self._sink_lock:
            (self._current if self._current is not None else self._stray).append(item)

    # -- cells ---------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """Not ended, and its process not stopped under it (the session's life limit, a dead
        zygote): then ``close(None)`` says why."""
        return self.ended is None and self.live.outcome.killed_for is None and self.zygote_alive()

    def live_output(self) -> str:
        """What the running cell printed so far (its last ``LIVE_CHARS``)."""
        with self._sink_lock:
            return self._live_text

    def busy(self) -> bool:
        """A cell is running now."""
        return self._lock.locked()

    def memory_mb(self) -> float | None:
        """Memory the session's process holds now (its cgroup slot's charge), if measurable."""
        cgroups = self.sandbox.cgroups
        if self.ended is not None or not cgroups.has_memory or self.slot < 0:
            return None
        with contextlib.suppress(OSError, ValueError):
            return cgroups.charged_mb(self.slot)
        return None

    def run_cell(self, code: str, *, number: int) -> CellOutcome:
        """Run ``code`` as cell ``number`` (1-based, names its file in tracebacks)."""
        if not self._lock.acquire(blocking=False):
            raise SessionBusy("a cell of this session is still running")
        try:
            return self._run_cell(code, number)
        finally:
            self.last_used = time.monotonic()
            self._lock.release()

    def _run_cell(self, code: str, number: int) -> CellOutcome:
        if self.ended is not None:
            return CellOutcome(ok=False, ended=self.ended)
        started = time.monotonic()
        live = self.live
        # the output cap and the event budget count per cell, not over the session's life
        events = LearnerEvents(live.emit, CELL_BUDGET)
        events.screen = OutputScreen()
        live.events = events
        with self._sink_lock:
            outputs, self._stray = self._stray, []
            self._current = outputs
            self._live_text, self.progress = "", None
        buffers: list[memoryview] = []
        request = {
            "op": "new",
            "spec": KERNEL,
            "args": encode([code, number, MAX_CELL_CHARS], buffers, _no_other),
            "kwargs": encode({}, buffers, _no_other),
        }
        reply: dict[str, Any] | None = None
        try:
            header, reply_buffers = live.request(request, buffers, timeout_s=self.cell_wall_s)
            if header.get("ok") is True:
                reply = Decoder(reply_buffers, _no_tag).decode(header.get("value"))
            else:  # the kernel itself failed (the learner replaced it, or broke the process)
                outputs.append({"type": "error", "text": _text(header.get("error"))})
        except (RunEnded, CallTimeout):
            pass
        except ProtocolError:
            live.kill("protocol")
        with self._sink_lock:
            self._current = None
        outcome = CellOutcome(ok=False, duration_s=time.monotonic() - started)
        if reply is not None:
            try:
                outputs[:0] = _kernel_outputs(reply)
                outcome.ok = reply.get("ok") is True
                cpu = reply.get("cpu_s")
                outcome.cpu_s = float(cpu) if isinstance(cpu, int | float) else None
            except (TypeError, ValueError, KeyError):
                live.kill("protocol")
        if events.cut:
            outputs.append({"type": "note", "text": "Some plots of this cell are not shown."})
        self.cells_run += 1
        if not self.zygote_alive() or live.outcome.killed_for is not None or reply is None:
            outcome.ok = False
            outcome.ended = self.close(None)
        outcome.outputs = outputs
        return outcome

    def zygote_alive(self) -> bool:
        return self.live.zygote.alive()

    # -- ending --------------------------------------------------------------------------------
    def close(self, reason: str | None) -> str:
        """End the session (``reason`` given: asked for, e.g. restart or idle); returns why it
        ended, from what the process's end shows when no reason was given."""
        with self._close_lock:  # a second caller waits for the first, then reads its answer
            if self.ended is not None:
                return self.ended
            live = self.live
            if reason is not None and live.outcome.killed_for is None:
                live.kill(reason)
            try:
                self._stack.close()  # finishes the run, gives back its slot
            except Exception:
                log.exception("a lesson session did not close cleanly")
            o = live.outcome
            self.exit_code = o.exit_code
            self.cpu_s = o.cpu_s
            self.max_memory_mb = o.max_rss_mb or None
            self.ended = reason or _why(o, self.limits)
            return self.ended


def _why(o: Any, limits: RunLimits) -> str:
    """Why a session's process ended without being asked to."""
    if o.infra_error:
        return "platform"
    if o.killed_for == "call-timeout":
        return "cell-timeout"
    if o.killed_for == "timeout":
        return "max-life"
    if o.killed_for in ("output-limit", "protocol"):
        return str(o.killed_for)
    if o.oom:
        return "memory"
    if o.exit_code == -signal.SIGXCPU or (
        o.exit_code == -signal.SIGKILL and o.cpu_s >= limits.cpu_s - 0.5
    ):
        return "cpu"
    if o.exit_code == -signal.SIGKILL and o.max_rss_mb >= limits.memory_mb * 0.95:
        return "memory"
    return "crash"


def _no_other(value: Any) -> Any:
    raise TypeError(f"cannot send a {type(value).__name__} to a session")


def _no_tag(tag: dict[str, Any]) -> Any:
    raise ProtocolError("unexpected value in a cell's reply")


def _text(value: Any, limit: int = MAX_ERROR_CHARS) -> str:
    if not isinstance(value, str):
        raise TypeError("a text output that is not text")
    return value if len(value) <= limit else value[:limit] + "\n[... cut ...]\n"


def _kernel_outputs(reply: Any) -> list[dict[str, Any]]:
    """The kernel's reply, checked: streams, then the last expression's value or the error."""
    if not isinstance(reply, dict) or not isinstance(reply.get("outputs"), list):
        raise TypeError("a cell's reply of the wrong shape")
    out: list[dict[str, Any]] = []
    left = MAX_CELL_CHARS
    for item in reply["outputs"][:1000]:
        if not isinstance(item, list) or len(item) != 2:
            raise TypeError("a cell's output of the wrong shape")
        name, text = item
        if name == "cut":
            out.append({"type": "note", "text": "This cell printed more than is kept; cut."})
            continue
        if name not in ("stdout", "stderr"):
            raise TypeError("a cell's output on an unknown stream")
        text = _text(text, limit=max(left, 0))
        left -= len(text)
        if text:
            out.append({"type": "stream", "name": name, "text": text})
    if reply.get("result") is not None:
        out.append({"type": "result", "text": _text(reply["result"])})
    if reply.get("error") is not None:
        out.append({"type": "error", "text": _text(reply["error"])})
    return out
