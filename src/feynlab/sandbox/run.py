"""One live run seen from the trusted side: its output, its judge channel, its limits.

The learner's stdout and stderr are pipes read here and turned into events (capped: past the
limit the run is killed and an ``output-limit`` event says so). The judge channel is a separate
socket; events the harness sends on it (figures, Keras progress) are checked, coalesced and held
to the run's event budget (sandbox/learner_events.py) before they are passed on. Anything on the
channel that does not follow the protocol ends the run as the learner's protocol error. The wall
clock is enforced here, not inside the sandbox, and no wait of the trusted side outlives the
run's deadline (wall limit plus ``DEADLINE_GRACE_S``): past it the run is killed and every wait
ends.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import json
import logging
import os
import queue
import selectors
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from feynlab.sandbox.learner_events import (
    OUTPUT_CHUNK_BYTES,
    EventBudget,
    LearnerEvents,
    OutputScreen,
    cut_note,
)
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.protocol import ChannelClosed, ProtocolError, recv_frame, send_frame
from feynlab.sandbox.zygote_process import ZygoteError, ZygoteProcess

log = logging.getLogger(__name__)
EventSink = Callable[[dict[str, Any]], None]
STATUS_GRACE_S = 10.0
CONCLUDE_WAIT_S = 0.5  # for the output pipes to close after the harness answered finish
DEADLINE_GRACE_S = 10.0
MAX_EVENT_DATA_BYTES = 4 * 1024 * 1024  # a figure as the harness draws it is far smaller


class RunEnded(Exception):
    """The learner process is gone (or broke the protocol) while the grader waited on it."""


class CallTimeout(Exception):
    """A single judge request took longer than its own timeout."""


@dataclass
class RunOutcome:
    """What happened to the process; the grading layer turns it into a status."""

    exit_code: int | None = None
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0
    duration_s: float = 0.0
    output: str = ""
    killed_for: str | None = None  # "timeout", "output-limit", "protocol", "call-timeout"
    oom: bool = False
    infra_error: str | None = None
    protocol_error: str | None = None
    first_output_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class LiveRun:
    def __init__(
        self,
        *,
        zygote: ZygoteProcess,
        limits: RunLimits,
        on_event: EventSink | None,
        request: dict[str, Any],
        output_tail_bytes: int = 16 * 1024,
        budget: EventBudget | None = None,
    ) -> None:
        self.zygote = zygote
        self.limits = limits
        self.run_id = uuid.uuid4().hex
        self.on_event = on_event
        self.outcome = RunOutcome()
        self.concluded: RunOutcome | None = None  # the outcome taken before the exit: conclude
        self.memory_peak: Callable[[], float | None] | None = None  # the run's cgroup's, in MB
        self._event_lock = threading.Lock()
        self.events = LearnerEvents(self.emit, budget)
        self.events.screen = OutputScreen(tail_chars=output_tail_bytes)
        self._replies: queue.Queue[tuple[dict[str, Any], list[memoryview]] | None] = queue.Queue()
        self._awaiting = 0  # requests sent and not answered; a reply beyond them is garbage
        self._awaiting_lock = threading.Lock()
        self._output_bytes = 0
        self.started = time.monotonic()
        self.deadline = self.started + limits.wall_s + DEADLINE_GRACE_S
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        status_r, status_w = os.pipe()
        self.channel, learner_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._status_r = status_r
        try:
            zygote.spawn(
                {"run": self.run_id, **request}, [out_w, err_w, learner_end.fileno(), status_w]
            )
        except ZygoteError:
            for fd in (out_r, err_r, status_r):
                os.close(fd)
            self.channel.close()
            raise
        finally:
            for fd in (out_w, err_w, status_w):
                os.close(fd)
            learner_end.close()
        self._threads = [
            threading.Thread(target=self._pump_output, args=(out_r, err_r), daemon=True),
            threading.Thread(target=self._pump_channel, daemon=True),
        ]
        for t in self._threads:
            t.start()
        self._timer = threading.Timer(limits.wall_s, self.kill, args=("timeout",))
        self._timer.daemon = True
        self._timer.start()
        self._watchdog = threading.Timer(self.deadline - time.monotonic(), self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()

    # -- events --------------------------------------------------------------------------------
    def emit(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            with self._event_lock:
                self.on_event(event)

    def _pump_output(self, out_r: int, err_r: int) -> None:
        """Read both pipes until they close; output is capped, and coalesced into few events."""
        sel = selectors.DefaultSelector()
        decoders = {}
        for fd, name in ((out_r, "stdout"), (err_r, "stderr")):
            sel.register(fd, selectors.EVENT_READ, name)
            decoders[name] = codecs.getincrementaldecoder("utf-8")(errors="replace")
        limit = self.limits.output_bytes
        pending: list[list[str]] = []  # [stream, text] in the order they came
        last_flush = -float("inf")

        def flush() -> None:
            nonlocal last_flush
            for name, text in pending:
                self.events.output(name, text)
            pending.clear()
            last_flush = time.monotonic()

        open_fds = 2
        while open_fds:
            timeout = None
            if pending:
                timeout = max(0.0, last_flush + self.events.output_interval_s() - time.monotonic())
            ready = sel.select(timeout)
            for key, _ in ready:
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fd)
                    os.close(key.fd)
                    open_fds -= 1
                    continue
                if self._output_bytes > limit:
                    continue  # already cut; drain until the process is gone
                if self.outcome.first_output_s is None:
                    self.outcome.first_output_s = time.monotonic() - self.started
                text = decoders[key.data].decode(data)
                # the cap counts what is on the screen: a line a \r redraws counts once
                self._output_bytes = self.events.screen.feed(key.data, text)
                if text:
                    if pending and pending[-1][0] == key.data:
                        pending[-1][1] += text
                    else:
                        pending.append([key.data, text])
                if self._output_bytes > limit:
                    flush()
                    self.emit({"type": "output-limit", "limit_bytes": limit})
                    self.kill("output-limit")
            waited = time.monotonic() - last_flush
            if pending and (
                waited >= self.events.output_interval_s()
                or sum(len(t) for _, t in pending) >= OUTPUT_CHUNK_BYTES
            ):
                flush()
        flush()
        sel.close()

    def _pump_channel(self) -> None:
        """Read the judge channel until it closes; garbage on it ends the run as the learner's."""
        try:
            while True:
                header, buffers = recv_frame(
                    self.channel,
                    max_buffer_bytes=self.limits.reply_bytes,
                    buffer_cap=self._frame_cap,
                )
                kind = header.get("kind")
                if kind == "event":
                    self.events.channel_event(header.get("event"), buffers)
                elif kind == "reply":
                    with self._awaiting_lock:
                        if self._awaiting < 1:
                            raise ProtocolError("a reply to no request")
                        self._awaiting -= 1
                    self._replies.put((header, buffers))
                else:
                    raise ProtocolError("a frame of an unknown kind")
        except ChannelClosed:
            pass
        except (ProtocolError, OSError) as exc:
            if self.outcome.killed_for is None:
                self.outcome.protocol_error = str(exc)[:500]
            self.kill("protocol")
        except Exception as exc:  # a bug of ours on the way (an event sink that failed...)
            log.exception("the judge channel's reader failed")
            self.outcome.infra_error = f"the judge channel's reader failed: {exc!r}"[:2000]
            self.kill("infra")
        finally:
            self._replies.put(None)  # whatever happened, whoever waits learns the run is over

    def _frame_cap(self, header: dict[str, Any]) -> int:
        """The data a frame may carry, known from its header before its data is read: an event
        at most one figure's worth, a reply up to the reply cap, a reply to nothing none."""
        kind = header.get("kind")
        if kind == "event":
            return MAX_EVENT_DATA_BYTES
        if kind == "reply" and self._awaiting < 1:
            raise ProtocolError("a reply to no request")
        return self.limits.reply_bytes

    def _expire(self) -> None:
        """The run's deadline passed: kill it and end every wait of the trusted side."""
        self.kill("timeout", hard=True)
        with contextlib.suppress(OSError):
            self.channel.shutdown(socket.SHUT_RDWR)
        self._replies.put(None)

    # -- the judge channel ---------------------------------------------------------------------
    def request(
        self,
        header: dict[str, Any],
        buffers: list[memoryview] | None = None,
        *,
        timeout_s: float | None = None,
    ) -> tuple[dict[str, Any], list[memoryview]]:
        """Send one request to the harness and wait for its reply (never past the deadline)."""
        with self._awaiting_lock:
            self._awaiting += 1
        try:
            send_frame(self.channel, header, buffers or [])
        except OSError:
            raise RunEnded("the learner process is gone") from None
        left = self.deadline - time.monotonic()
        wait = left if timeout_s is None else min(timeout_s, left)
        try:
            reply = self._replies.get(timeout=max(0.0, wait))
        except queue.Empty:
            if timeout_s is not None and timeout_s < left:
                self.kill("call-timeout")
                raise CallTimeout(f"no answer within {timeout_s:g} s") from None
            self._expire()
            raise RunEnded("the run went past its deadline") from None
        if reply is None:
            self._replies.put(None)  # later requests see the end too
            raise RunEnded("the learner process is gone")
        return reply

    # -- ending --------------------------------------------------------------------------------
    def kill(self, reason: str, *, hard: bool = False) -> None:
        if self.outcome.killed_for is None:
            self.outcome.killed_for = reason
        self.zygote.kill(self.run_id, hard=hard)

    def finish(self, *, grace_s: float = 2.0) -> RunOutcome:
        """Wait for the process to end (killing it after ``grace_s``), and collect everything."""
        status = self._read_status(grace_s)
        if status is None:
            self.kill(self.outcome.killed_for or "grace")
            status = self._read_status(1.0)
        if status is None:
            self.kill("grace", hard=True)
            status = self._read_status(STATUS_GRACE_S)
        self._timer.cancel()
        self._watchdog.cancel()
        for t in self._threads:
            t.join(timeout=STATUS_GRACE_S)
        self.channel.close()
        os.close(self._status_r)
        o = self.outcome
        if self._output_bytes > self.limits.output_bytes:
            # what printed most, for the cap's message: once the judge channel is drained, as
            # the harness's word on which line printed travels there and may come in after the
            # output tripped the cap
            o.extra["output_hint"] = self.events.screen.printed_most()
        self._collect_output(o)
        if status is None:
            if not o.killed_for:
                o.infra_error = "the sandbox lost track of the run: " + self.zygote.stderr_tail
        elif not status and not self.zygote.alive():  # the zygote died under the run: ours
            o.infra_error = "the zygote died during the run: " + self.zygote.stderr_tail[-2000:]
        else:
            o.exit_code = status.get("exit_code")
            o.cpu_s = float(status.get("cpu_s", 0.0))
            o.max_rss_mb = float(status.get("max_rss_mb", 0.0))
        return o

    def _collect_output(self, o: RunOutcome) -> None:
        o.duration_s = time.monotonic() - self.started
        o.output = self.events.screen.tail()
        if self.events.cut:
            o.output += cut_note(self.events.budget)

    def used(self) -> dict[str, Any] | None:
        """CPU seconds and peak memory the run has used so far (``cpu_s``, ``max_rss_mb``, read
        by the zygote), or None once it has ended. Asked before ``finish``, after which the
        harness exits at once (its memory, and with it its figures, go first)."""
        return self.zygote.account(self.run_id)

    def conclude(self, used: dict[str, Any] | None, *, wait_s: float = CONCLUDE_WAIT_S) -> None:
        """Take the run's outcome now, before its process has exited (``concluded``): for a
        run whose harness has answered ``finish`` (which closes its output pipes), once the
        grader has its answers; ``used``: what ``used()`` said just before ``finish``.

        The output is whole when both pipes have closed; the peak memory is the run's cgroup's
        where there is one. ``finish`` still waits for the exit afterwards (off the verdict's
        path). Nothing is taken when the run was killed, ``used`` is None, or the output does
        not close within ``wait_s`` (a process the learner started holds a copy): the outcome
        then comes whole from ``finish``."""
        pump = self._threads[0]
        if self.outcome.killed_for is not None or used is None:
            return
        pump.join(wait_s)
        if pump.is_alive():
            return
        o = dataclasses.replace(self.outcome, extra=dict(self.outcome.extra))
        o.cpu_s = float(used["cpu_s"])
        o.max_rss_mb = float(used["max_rss_mb"])
        peak = self.memory_peak() if self.memory_peak is not None else None
        if peak is not None:
            o.max_rss_mb = peak  # what the run added, not the zygote pages it shares
        self._collect_output(o)
        self.concluded = o

    def _read_status(self, timeout_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout_s
        data = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = _select([self._status_r], remaining)
            if not ready:
                return None
            chunk = os.read(self._status_r, 4096)
            if not chunk:
                break
            data += chunk
            parsed = _status(data)
            if parsed is not None:
                return parsed  # complete: do not wait for the pipe to close
        if not data:
            return {}  # a hard kill: the run is over, its status unknown
        return _status(data) or {}


def _status(data: bytes) -> dict[str, Any] | None:
    """The zygote's report (one small write, so it arrives whole), or None if incomplete."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _select(fds: list[int], timeout: float) -> tuple[list[int], list[int], list[int]]:
    import select

    return select.select(fds, [], [], timeout)
