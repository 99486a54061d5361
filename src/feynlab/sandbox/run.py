"""One live run seen from the trusted side: its output, its judge channel, its limits.

The learner's stdout and stderr are pipes read here and turned into events (capped: past the
limit the run is killed and an ``output-limit`` event says so). The judge channel is a separate
socket; events the harness sends on it (figures, Keras progress) are checked before they are
passed on. The wall clock is enforced here, not inside the sandbox.
"""

from __future__ import annotations

import base64
import codecs
import json
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

from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.protocol import ChannelClosed, ProtocolError, recv_frame, send_frame
from feynlab.sandbox.zygote_process import ZygoteError, ZygoteProcess

EventSink = Callable[[dict[str, Any]], None]
MAX_REPLY_BYTES = 512 * 1024 * 1024
MAX_FIGURE_BYTES = 2 * 1024 * 1024
MAX_FIGURES = 20
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STATUS_GRACE_S = 10.0


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
    ) -> None:
        self.zygote = zygote
        self.limits = limits
        self.run_id = uuid.uuid4().hex
        self.on_event = on_event
        self.outcome = RunOutcome()
        self._event_lock = threading.Lock()
        self._replies: queue.Queue[tuple[dict[str, Any], list[memoryview]] | None] = queue.Queue()
        self._output_bytes = 0
        self._tail = bytearray()
        self._tail_max = output_tail_bytes
        self._figures = 0
        self.started = time.monotonic()
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

    # -- events --------------------------------------------------------------------------------
    def emit(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            with self._event_lock:
                self.on_event(event)

    def _pump_output(self, out_r: int, err_r: int) -> None:
        sel = selectors.DefaultSelector()
        decoders = {}
        for fd, name in ((out_r, "stdout"), (err_r, "stderr")):
            sel.register(fd, selectors.EVENT_READ, name)
            decoders[name] = codecs.getincrementaldecoder("utf-8")(errors="replace")
        limit = self.limits.output_bytes
        open_fds = 2
        while open_fds:
            for key, _ in sel.select():
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
                chunk = data[: limit - self._output_bytes]
                self._output_bytes += len(data)
                self._tail = (self._tail + chunk)[-self._tail_max :]
                text = decoders[key.data].decode(chunk)
                if text:
                    self.emit({"type": key.data, "text": text})
                if self._output_bytes > limit:
                    self.emit({"type": "output-limit", "limit_bytes": limit})
                    self.kill("output-limit")
        sel.close()

    def _pump_channel(self) -> None:
        try:
            while True:
                header, buffers = recv_frame(self.channel, max_buffer_bytes=MAX_REPLY_BYTES)
                if header.get("kind") == "event":
                    self._learner_event(header.get("event"), buffers)
                else:
                    self._replies.put((header, buffers))
        except ChannelClosed:
            pass
        except (ProtocolError, OSError, ValueError) as exc:
            self.outcome.protocol_error = str(exc)
            self.kill("protocol")
        self._replies.put(None)

    def _learner_event(self, event: Any, buffers: list[memoryview]) -> None:
        """Pass on a figure or progress event from the harness, after checking its shape."""
        if not isinstance(event, dict):
            raise ProtocolError("event is not an object")
        kind = event.get("type")
        if kind == "figure" and len(buffers) == 1:
            png = bytes(buffers[0])
            if not png.startswith(PNG_MAGIC) or len(png) > MAX_FIGURE_BYTES:
                return
            if self._figures >= MAX_FIGURES:
                return
            self._figures += 1
            self.emit(
                {
                    "type": "figure",
                    "format": "png",
                    "data": base64.b64encode(png).decode(),
                    "width": _int(event.get("width")),
                    "height": _int(event.get("height")),
                }
            )
        elif kind == "progress":
            logs = event.get("logs")
            clean = {
                str(k)[:64]: float(v)
                for k, v in (logs.items() if isinstance(logs, dict) else [])
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            self.emit(
                {
                    "type": "progress",
                    "epoch": _int(event.get("epoch")),
                    "epochs": _int_or_none(event.get("epochs")),
                    "batch": _int_or_none(event.get("batch")),
                    "batches": _int_or_none(event.get("batches")),
                    "logs": dict(list(clean.items())[:32]),
                }
            )

    # -- the judge channel ---------------------------------------------------------------------
    def request(
        self,
        header: dict[str, Any],
        buffers: list[memoryview] | None = None,
        *,
        timeout_s: float | None = None,
    ) -> tuple[dict[str, Any], list[memoryview]]:
        """Send one request to the harness and wait for its reply."""
        try:
            send_frame(self.channel, header, buffers or [])
        except OSError:
            raise RunEnded("the learner process is gone") from None
        try:
            reply = self._replies.get(timeout=timeout_s)
        except queue.Empty:
            self.kill("call-timeout")
            raise CallTimeout(f"no answer within {timeout_s:g} s") from None
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
        for t in self._threads:
            t.join(timeout=STATUS_GRACE_S)
        self.channel.close()
        os.close(self._status_r)
        o = self.outcome
        o.duration_s = time.monotonic() - self.started
        o.output = self._tail.decode(errors="replace")
        if status is None:
            if not o.killed_for:
                o.infra_error = "the sandbox lost track of the run: " + self.zygote.stderr_tail
        else:
            o.exit_code = status.get("exit_code")
            o.cpu_s = float(status.get("cpu_s", 0.0))
            o.max_rss_mb = float(status.get("max_rss_mb", 0.0))
        return o

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
                return parsed  # complete: do not wait for the monitor's own exit
        if not data:
            return {}  # the monitor was killed: the run is over, its status unknown
        return _status(data) or {}


def _status(data: bytes) -> dict[str, Any] | None:
    """The monitor's report (one small write, so it arrives whole), or None if incomplete."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _select(fds: list[int], timeout: float) -> tuple[list[int], list[int], list[int]]:
    import select

    return select.select(fds, [], [], timeout)


def _int(v: Any) -> int:
    return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0


def _int_or_none(v: Any) -> int | None:
    return None if v is None else _int(v)
