"""Events from the learner's run on their way to the EventSink: checked, coalesced, budgeted.

Nothing the learner's side sends is believed: a progress event must have exactly the shape the
harness gives it (anything else is a ``ProtocolError``, which ends the run), a figure is decoded
and re-encoded with Pillow (its size is what the image holds, not what the event claims), and
all the run's events together (output, progress, figures) are held to one budget of count and
bytes, plus a rate for what arrives on the judge channel. What the budget cuts is said once, in
a line of the run's stderr. Output is never dropped here (the output cap ends the run), only
coalesced: at most one event per stream every ``OUTPUT_INTERVAL_S``, less often once the count
is spent.

Output is a terminal's, as in a notebook: a carriage return starts its line again (Keras's
progress bar redraws itself with ``\b...\r`` about twenty times a second). ``OutputScreen``
collapses what a ``\r`` overwrites before it is forwarded, and the output cap counts what is on
the screen (each line's last version), not every redraw: a default ``model.fit`` never trips it.
A forwarded text that starts with ``\r`` replaces the line the browser shows last; ANSI colour
codes are kept (docs/dev-guide.md, "Run output").
"""

from __future__ import annotations

import base64
import io
import math
import re
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
SHAPE_CHARS = 60  # a printed line's "shape", to say what printed most when the cap trips
HEAD_CHARS = 240  # what is kept of a line to tell its shape (ANSI codes included)
MAX_SHAPES = 200
_BACKSPACES_BEFORE_CR = re.compile("\x08+\r")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_DIGITS = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_KERAS_STEP = re.compile(r"^\s*\d+/\d+\s.*(?:step|ETA)|^Epoch \d+/\d+\s*$")
KERAS_BAR = "\u2501"  # the bar's own character


def _screen_line(line: str) -> str:
    """What a terminal (Jupyter's rule) shows of one line: the text after its last \r."""
    return line[line.rfind("\r") + 1 :]


def collapse(text: str) -> str:
    """``text`` with what carriage returns overwrite removed (a complete text, e.g. a tail)."""
    text = _BACKSPACES_BEFORE_CR.sub("\r", text.replace("\r\n", "\n"))
    return "\n".join(_screen_line(line) for line in text.split("\n"))


class OutputScreen:
    """One run's output as a terminal shows it: collapsed for forwarding, measured for the cap,
    with a tally of what printed most."""

    def __init__(self, tail_chars: int = 16 * 1024) -> None:
        self._line_len: dict[str, int] = {}  # visible length of each stream's current line
        self._line_head: dict[str, str] = {}  # its first HEAD_CHARS characters
        self._held_cr: dict[str, bool] = {}  # a trailing \r (a \r\n may be split in two)
        self._forward_cr: dict[str, bool] = {}
        self.committed = 0  # bytes of finished lines (their last version), both streams
        self.keras_bytes = 0
        self.keras_predict_bytes = 0  # bars without a loss: predict's, one per call
        self.shapes: dict[str, int] = {}
        self.printer_lines: list[tuple[int, int]] = []  # (line, bytes), the harness's hint
        self._tail = ""
        self._tail_chars = tail_chars

    @property
    def size(self) -> int:
        """What the output cap counts: finished lines plus the lines being written."""
        return self.committed + sum(self._line_len.values())

    def feed(self, stream: str, text: str) -> int:
        """Take text as it was read from ``stream``; returns the new ``size``."""
        self._tail += text
        if len(self._tail) > 4 * self._tail_chars:
            self._tail = collapse(self._tail)[-self._tail_chars :]
        if self._held_cr.pop(stream, False):
            text = "\r" + text
        if text.endswith("\r"):
            self._held_cr[stream] = True
            text = text[:-1]
        text = _BACKSPACES_BEFORE_CR.sub("\r", text.replace("\r\n", "\n"))
        lines = text.split("\n")
        for i, line in enumerate(lines):
            cr = line.rfind("\r")
            if cr >= 0:
                self._line_len[stream] = 0
                self._line_head[stream] = ""
                line = line[cr + 1 :]
            self._line_len[stream] = self._line_len.get(stream, 0) + len(line.encode())
            head = self._line_head.get(stream, "")
            if len(head) < HEAD_CHARS:
                self._line_head[stream] = head + line[: HEAD_CHARS - len(head)]
            if i < len(lines) - 1:  # the line is finished
                self._commit(stream)
        return self.size

    def _commit(self, stream: str) -> None:
        nbytes = self._line_len.pop(stream, 0) + 1
        head = _ANSI.sub("", self._line_head.pop(stream, ""))
        self.committed += nbytes
        if KERAS_BAR in head or _KERAS_STEP.search(head):
            self.keras_bytes += nbytes
            if "loss" not in head and not head.startswith("Epoch"):
                self.keras_predict_bytes += nbytes
            return
        shape = _DIGITS.sub("#", head[:SHAPE_CHARS]).strip()
        if shape in self.shapes or len(self.shapes) < MAX_SHAPES:
            self.shapes[shape] = self.shapes.get(shape, 0) + nbytes

    def forward(self, stream: str, text: str) -> str:
        """``text`` (coalesced from what ``feed`` took, in order) as the browser gets it: only
        each line's last version; a leading \r replaces the line shown last."""
        if self._forward_cr.pop(stream, False):
            text = "\r" + text
        if text.endswith("\r"):
            self._forward_cr[stream] = True
            text = text[:-1]
        text = _BACKSPACES_BEFORE_CR.sub("\r", text.replace("\r\n", "\n"))
        lines = text.split("\n")
        first = lines[0]
        lines[0] = ("\r" if "\r" in first else "") + _screen_line(first)
        lines[1:] = [_screen_line(line) for line in lines[1:]]
        return "\n".join(lines)

    def tail(self) -> str:
        return collapse(self._tail)[-self._tail_chars :]

    def printed_most(self) -> str:
        """What printed most, for the output cap's message ("" when nothing stands out)."""
        for stream in list(self._line_len):  # the line being written counts too
            if self._line_len[stream]:
                self._commit(stream)
        top = max(self.shapes.items(), key=lambda kv: kv[1], default=("", 0))
        if self.keras_bytes and self.keras_bytes >= top[1]:
            if self.keras_predict_bytes * 2 > self.keras_bytes:
                return (
                    "Most of it was Keras's progress bar, printed by every `predict` (or "
                    "`evaluate`) call: pass `verbose=0` to them (and `verbose=2` to `fit`)."
                )
            return (
                "Most of it was Keras's progress bars: pass `verbose=2` to `fit` (one line per "
                "epoch), and `verbose=0` to `predict` and `evaluate`."
            )
        where = ""
        if self.printer_lines:
            line = max(self.printer_lines, key=lambda pair: pair[1])[0]
            where = f", printed by line {line} of your file"
        if top[1] * 2 >= self.committed and top[0]:
            shape = top[0].replace("`", "'")[:SHAPE_CHARS]
            return (
                f"Most of it was lines like `{shape}` (# stands for a number){where}: print "
                "them less often, or only at the end."
            )
        if where:
            return f"Most of it was{where[1:]}: print less there."
        return ""


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
        self.screen = OutputScreen()

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
        """Output from the pipes (already capped and coalesced by the caller), with what
        carriage returns overwrite removed."""
        text = self.screen.forward(kind, text)
        if text:
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
        elif kind == "printers":
            if buffers:
                raise ProtocolError("a printers event with data attached")
            lines = printers_event(event)
            if self._admit(16 * len(lines) + 16):  # kept, not forwarded
                self.screen.printer_lines = lines
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


def printers_event(event: dict[str, Any]) -> list[tuple[int, int]]:
    """The lines of the learner's file that printed most, as the harness says (a hint for the
    output cap's message only); anything but its shape raises."""
    lines = event.get("lines")
    if not isinstance(lines, list) or len(lines) > 3:
        raise ProtocolError("a printers event with invalid lines")
    clean: list[tuple[int, int]] = []
    for pair in lines:
        if not (isinstance(pair, list) and len(pair) == 2) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_EPOCH for v in pair
        ):
            raise ProtocolError("a printers event with invalid lines")
        clean.append((pair[0], pair[1]))
    return clean


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
