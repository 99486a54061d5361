"""Events from the learner's run on their way to the EventSink: checked, coalesced, budgeted.

Nothing the learner's side sends is believed: a progress event must have exactly the shape the
harness gives it (anything else is a ``ProtocolError``, which ends the run), a figure is decoded
and re-encoded with Pillow (its size is what the image holds, not what the event claims), and
all the run's events together (output, progress, figures) are held to one budget of count and
bytes, plus a rate for what arrives on the judge channel. What the budget cuts is said once, in
a line of the run's stderr. Output is never dropped here (the output cap ends the run), only
coalesced: at most one event per stream every ``OUTPUT_INTERVAL_S``, less often once the count
is spent.
"""

from __future__ import annotations

import base64
import io
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from feynlab.sandbox.protocol import ProtocolError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OUTPUT_INTERVAL_S = 0.1
OUTPUT_INTERVAL_SPENT_S = 1.0  # once the event count is spent
OUTPUT_CHUNK_BYTES = 32 * 1024  # pending output flushed at once past this
PROGRESS_INTERVAL_S = 0.2
MAX_LOGS = 32
MAX_LOG_NAME = 64
MAX_EPOCH = 10**9


@dataclass(frozen=True)
class EventBudget:
    """What one run may send as events, all kinds together."""

    max_events: int = 2000
    max_bytes: int = 8 * 1024 * 1024
    rate_per_s: float = 20.0  # channel events (progress, figures), sustained
    burst: int = 100
    max_figures: int = 20
    max_figure_bytes: int = 1024 * 1024  # after re-encoding
    max_figure_pixels: int = 2000 * 2000


def cut_note(budget: EventBudget) -> str:
    return (
        "\n[Some plots or training updates of this run are not shown: it sent more than the "
        f"platform keeps ({budget.max_events} updates, {budget.max_figures} plots, "
        f"{budget.max_bytes // (1024 * 1024)} MB in all). Show fewer plots (close the ones you "
        "do not need), or train for fewer epochs.]\n"
    )


class LearnerEvents:
    """Turns what the learner's run sends into events for ``emit``, within the run's budget."""

    def __init__(
        self,
        emit: Callable[[dict[str, Any]], None],
        budget: EventBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self.budget = budget or EventBudget()
        self._clock = clock
        self.events = 0
        self.bytes = 0
        self.figures = 0
        self.cut = False
        self._tokens = float(self.budget.burst)
        self._refilled = clock()
        self._last_batch_progress = -math.inf
        self._lock = threading.RLock()  # the output pump and the channel pump both report

    # -- the budget ----------------------------------------------------------------------------
    @property
    def spent(self) -> bool:
        return self.events >= self.budget.max_events or self.bytes >= self.budget.max_bytes

    def output_interval_s(self) -> float:
        return OUTPUT_INTERVAL_SPENT_S if self.spent else OUTPUT_INTERVAL_S

    def _admit(self, nbytes: int) -> bool:
        """Take one channel event of ``nbytes`` from the budget (False: it is cut)."""
        with self._lock:
            return self._take(nbytes)

    def _take(self, nbytes: int) -> bool:
        now = self._clock()
        b = self.budget
        self._tokens = min(b.burst, self._tokens + (now - self._refilled) * b.rate_per_s)
        self._refilled = now
        if self._tokens < 1 or self.spent or self.bytes + nbytes > b.max_bytes:
            self._note_cut()
            return False
        self._tokens -= 1
        return True

    def _note_cut(self) -> None:
        with self._lock:
            if self.cut:
                return
            self.cut = True
        self._emit({"type": "stderr", "text": cut_note(self.budget)})

    def _send(self, event: dict[str, Any], nbytes: int) -> None:
        with self._lock:
            self.events += 1
            self.bytes += nbytes
        self._emit(event)

    # -- what arrives --------------------------------------------------------------------------
    def output(self, kind: str, text: str) -> None:
        """Output from the pipes (already capped and coalesced by the caller)."""
        self._send({"type": kind, "text": text}, len(text.encode("utf-8", "replace")))

    def channel_event(self, event: Any, buffers: list[memoryview]) -> None:
        """An event frame from the harness; malformed ones raise ProtocolError."""
        if not isinstance(event, dict):
            raise ProtocolError("event is not an object")
        kind = event.get("type")
        if kind == "figure":
            if len(buffers) != 1:
                raise ProtocolError("a figure event without exactly one image")
            self._figure(buffers[0])
        elif kind == "progress":
            if buffers:
                raise ProtocolError("a progress event with data attached")
            self._progress(event)
        else:
            raise ProtocolError("an event of an unknown type")

    def _progress(self, event: dict[str, Any]) -> None:
        clean = progress_event(event)
        if clean["batch"] is not None:  # within an epoch: a few a second are enough
            now = self._clock()
            if now - self._last_batch_progress < PROGRESS_INTERVAL_S:
                return
            self._last_batch_progress = now
        nbytes = 64 + sum(len(k) + 24 for k in clean["logs"])
        if self._admit(nbytes):
            self._send(clean, nbytes)

    def _figure(self, data: memoryview) -> None:
        b = self.budget
        if self.figures >= b.max_figures:
            self._note_cut()
            return
        image = reencode_png(bytes(data), max_pixels=b.max_figure_pixels)
        if image is None:  # not a PNG we can read: nothing to show
            return
        png, width, height = image
        if len(png) > b.max_figure_bytes:
            self._note_cut()
            return
        encoded = base64.b64encode(png).decode()
        if self._admit(len(encoded)):
            self.figures += 1
            event = {"type": "figure", "format": "png", "data": encoded}
            self._send({**event, "width": width, "height": height}, len(encoded))


def _int_field(event: dict[str, Any], name: str, *, optional: bool) -> int | None:
    value = event.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_EPOCH:
        raise ProtocolError(f"a progress event with an invalid {name}")
    return value


def progress_event(event: dict[str, Any]) -> dict[str, Any]:
    """The progress event as the browser gets it; anything but the harness's shape raises."""
    logs = event.get("logs")
    if not isinstance(logs, dict) or len(logs) > MAX_LOGS:
        raise ProtocolError("a progress event with invalid logs")
    clean: dict[str, float | None] = {}
    for name, value in logs.items():
        if value is not None and (not isinstance(value, float | int) or isinstance(value, bool)):
            raise ProtocolError("a progress event with a value that is not a number")
        key = str(name)[:MAX_LOG_NAME].encode("utf-8", "replace").decode()
        clean[key] = None if value is None else float(value)
    return {
        "type": "progress",
        "epoch": _int_field(event, "epoch", optional=False),
        "epochs": _int_field(event, "epochs", optional=True),
        "batch": _int_field(event, "batch", optional=True),
        "batches": _int_field(event, "batches", optional=True),
        "logs": clean,
    }


def reencode_png(data: bytes, *, max_pixels: int) -> tuple[bytes, int, int] | None:
    """Decode ``data`` as a PNG and encode it again (None: not an image we can read).

    The size is checked from the header before any pixel is decoded (no decompression bombs).
    """
    if not data.startswith(PNG_MAGIC):
        return None
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if width < 1 or height < 1 or width * height > max_pixels:
                return None
            image.load()
            pixels = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
            out = io.BytesIO()
            pixels.save(out, format="PNG")
    except Exception:  # whatever a hostile file makes Pillow raise: not an image
        return None
    return out.getvalue(), width, height
