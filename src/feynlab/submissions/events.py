"""A submission's event stream: stored rows with a sequence number, and in-process wake-ups.

Events are persisted so that a client reconnecting with Last-Event-ID resumes where it was and
a finished submission replays them; events written in this process are handed to its open
streams at once (``notifier``); events written by other processes (Celery workers) are read by
each process's hub (``stream.Hub``), one query for all its streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from feynlab.db import utcnow
from feynlab.submissions.models import SubmissionEvent

log = logging.getLogger("feynlab.events")

FLUSH_EVERY_S = 0.05


Item = tuple[int, dict[str, Any]]  # (seq, event)


class Listener(Protocol):
    """An open event stream of this process (see ``stream.Subscription``)."""

    loop: asyncio.AbstractEventLoop

    def offer(self, items: list[Item] | None) -> None: ...


class Notifier:
    """Hands events written in this process to the streams open on their submission.

    Writers pass the events they just committed, with their seq: a stream takes them without
    reading the database. ``items=None`` only says "something changed": the stream reads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[int, set[Listener]] = {}
        # a Celery worker's: tells the web processes (grading/queue/celery_backend.EventBell)
        self.relay: Callable[[int], None] | None = None

    def subscribe(self, submission_id: int, listener: Listener) -> None:
        with self._lock:
            self._listeners.setdefault(submission_id, set()).add(listener)

    def unsubscribe(self, submission_id: int, listener: Listener) -> None:
        with self._lock:
            listeners = self._listeners.get(submission_id)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[submission_id]

    def notify(
        self, submission_id: int, items: list[Item] | None = None, *, relay: bool = True
    ) -> None:
        with self._lock:
            listeners = list(self._listeners.get(submission_id, ()))
        for listener in listeners:
            with contextlib.suppress(RuntimeError):  # a closed loop: that stream is gone
                listener.loop.call_soon_threadsafe(listener.offer, items)
        if relay and self.relay is not None:
            self.relay(submission_id)


notifier = Notifier()


_LAST_SEQ = select(func.max(SubmissionEvent.seq)).where(
    SubmissionEvent.submission_id == bindparam("sid")
)
_INSERT = insert(SubmissionEvent)


def last_seq(*, db: Session, submission_id: int) -> int:
    return int(db.connection().execute(_LAST_SEQ, {"sid": submission_id}).scalar() or 0)


def json_safe(value: Any) -> Any:
    """``value`` as strict JSON can hold it: NaN and infinities become null (PostgreSQL's json
    refuses them and a browser's JSON.parse drops the whole event), keys become strings, and
    anything else that JSON has no word for becomes its text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)


def safe_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event, cleaned only when strict JSON refuses it (the usual event costs one dumps)."""
    try:
        json.dumps(event, allow_nan=False)
        return event
    except (TypeError, ValueError):
        cleaned: dict[str, Any] = json_safe(event)
        return cleaned


def append(*, db: Session, submission_id: int, events: list[dict[str, Any]], after: int = 0) -> int:
    """Add events after the last one (in the caller's transaction); returns the last seq.
    ``after`` keeps numbering going past events deleted by a regrade."""
    first = max(last_seq(db=db, submission_id=submission_id), after) + 1
    now = utcnow()
    rows = []
    for i, event in enumerate(events):
        data = safe_event(event)
        rows.append(
            {
                "submission_id": submission_id,
                "seq": first + i,
                "type": str(data.get("type", "unknown"))[:40],
                "data": data,
                "created_at": now,
            }
        )
    if rows:
        db.connection().execute(_INSERT, rows)
    return first + len(rows) - 1


def numbered(events: list[dict[str, Any]], last: int) -> list[Item]:
    """The events as stored by ``append``, which returned ``last``."""
    first = last - len(events) + 1
    return [(first + i, event) for i, event in enumerate(events)]


def append_now(
    *, factory: sessionmaker[Session], submission_id: int, events: list[dict[str, Any]]
) -> None:
    """Append and commit in a session of its own, retrying if another writer took the seq."""
    for attempt in range(5):
        with factory() as db:
            try:
                last = append(db=db, submission_id=submission_id, events=events)
                db.commit()
                break
            except IntegrityError:
                db.rollback()
                if attempt == 4:
                    raise
    notifier.notify(submission_id, numbered(events, last))


# A last line of defence behind the sandbox's own event budget: whatever reaches storage, one
# run keeps at most this much (a 20 s cell once stored 42,198 rows, 82 MB).
STORED_EVENTS_MAX = 5000
STORED_BYTES_MAX = 16 * 1024 * 1024
KEPT_ALWAYS = frozenset({"verdict", "output-limit", "started", "queued"})
CUT_NOTE = (
    "[Feynlab] This run sent more live output, figures or progress than the page can keep; "
    "the rest is not shown (your code kept running). Print less, or fewer figures, per run."
)


class EventWriter:
    """The ``on_event`` sink of one job: buffers the runner's events and stores them in batches
    (a learner printing 10,000 lines must not cost 10,000 commits), every ``FLUSH_EVERY_S``.

    Storing never fails the job: an event the database refuses is dropped (logged), and past
    ``max_events``/``max_bytes`` the run's events are cut with one note."""

    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        submission_id: int,
        max_events: int = STORED_EVENTS_MAX,
        max_bytes: int = STORED_BYTES_MAX,
    ) -> None:
        self._factory = factory
        self.submission_id = submission_id
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one batch at a time, so events keep their order
        self._buffer: list[dict[str, Any]] = []
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._kept = 0
        self._bytes = 0
        self.cut = False
        _flusher.add(self)

    def __call__(self, event: dict[str, Any]) -> None:
        data = safe_event(dict(event))
        with self._lock:
            if data.get("type") not in KEPT_ALWAYS:
                size = len(json.dumps(data, separators=(",", ":")))
                if self._kept >= self._max_events or self._bytes + size > self._max_bytes:
                    if not self.cut:
                        self.cut = True
                        self._buffer.append({"type": "stderr", "text": CUT_NOTE + "\n"})
                    return
                self._kept += 1
                self._bytes += size
            self._buffer.append(data)

    def flush(self) -> None:
        with self._flushing:
            with self._lock:
                batch, self._buffer = self._buffer, []
            if not batch:
                return
            try:
                append_now(factory=self._factory, submission_id=self.submission_id, events=batch)
            except (IntegrityError, OperationalError, InterfaceError):
                with self._lock:  # the database may be briefly away: the next flush tries again
                    self._buffer[:0] = batch
                raise
            except Exception:  # the database refused the batch itself: keep what it accepts
                log.exception("a batch of events of submission %s was refused", self.submission_id)
                self._store_one_by_one(batch)

    def _store_one_by_one(self, batch: list[dict[str, Any]]) -> None:
        for event in batch:
            try:
                append_now(factory=self._factory, submission_id=self.submission_id, events=[event])
            except Exception:
                log.exception("dropped an event of submission %s", self.submission_id)

    def close(self) -> None:
        """Store what is left; never raises (the verdict is stored next, whatever happens)."""
        _flusher.remove(self)
        for attempt in range(3):
            try:
                self.flush()
                return
            except Exception:
                log.exception("storing the last events of submission %s failed", self.submission_id)
                time.sleep(0.1 * (attempt + 1))
        with self._lock:
            lost, self._buffer = len(self._buffer), []
        log.error("gave up on %d events of submission %s", lost, self.submission_id)


class _Flusher:
    """One thread flushing every open EventWriter of the process (not a thread per job)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writers: set[EventWriter] = set()
        self._thread: threading.Thread | None = None

    def add(self, writer: EventWriter) -> None:
        with self._lock:
            self._writers.add(writer)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="event-writer", daemon=True)
                self._thread.start()

    def remove(self, writer: EventWriter) -> None:
        with self._lock:
            self._writers.discard(writer)

    def _loop(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY_S)
            with self._lock:
                writers = list(self._writers)
                if not writers:
                    self._thread = None
                    return
            for writer in writers:
                try:
                    writer.flush()
                except Exception:  # the database may be briefly away: kept for the next flush
                    log.exception("storing events of submission %s failed", writer.submission_id)


_flusher = _Flusher()
