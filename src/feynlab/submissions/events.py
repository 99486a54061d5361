"""A submission's event stream: stored rows with a sequence number, and in-process wake-ups.

Events are persisted so that a client reconnecting with Last-Event-ID resumes where it was and
a finished submission replays them; events written in this process are handed to its open
streams at once (``notifier``); events written by other processes (Celery workers) are read by
each process's hub (``stream.Hub``), one query for all its streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import Any, Protocol

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
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

    def notify(self, submission_id: int, items: list[Item] | None = None) -> None:
        with self._lock:
            listeners = list(self._listeners.get(submission_id, ()))
        for listener in listeners:
            with contextlib.suppress(RuntimeError):  # a closed loop: that stream is gone
                listener.loop.call_soon_threadsafe(listener.offer, items)


notifier = Notifier()


_LAST_SEQ = select(func.max(SubmissionEvent.seq)).where(
    SubmissionEvent.submission_id == bindparam("sid")
)
_INSERT = insert(SubmissionEvent)


def last_seq(*, db: Session, submission_id: int) -> int:
    return int(db.connection().execute(_LAST_SEQ, {"sid": submission_id}).scalar() or 0)


def append(*, db: Session, submission_id: int, events: list[dict[str, Any]], after: int = 0) -> int:
    """Add events after the last one (in the caller's transaction); returns the last seq.
    ``after`` keeps numbering going past events deleted by a regrade."""
    first = max(last_seq(db=db, submission_id=submission_id), after) + 1
    now = utcnow()
    rows = [
        {
            "submission_id": submission_id,
            "seq": first + i,
            "type": str(event["type"]),
            "data": event,
            "created_at": now,
        }
        for i, event in enumerate(events)
    ]
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


class EventWriter:
    """The ``on_event`` sink of one job: buffers the runner's events and stores them in batches
    (a learner printing 10,000 lines must not cost 10,000 commits), every ``FLUSH_EVERY_S``."""

    def __init__(self, *, factory: sessionmaker[Session], submission_id: int) -> None:
        self._factory = factory
        self.submission_id = submission_id
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one batch at a time, so events keep their order
        self._buffer: list[dict[str, Any]] = []
        _flusher.add(self)

    def __call__(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._buffer.append(dict(event))

    def flush(self) -> None:
        with self._flushing:
            with self._lock:
                batch, self._buffer = self._buffer, []
            if not batch:
                return
            try:
                append_now(factory=self._factory, submission_id=self.submission_id, events=batch)
            except Exception:
                with self._lock:  # nothing lost: the next flush tries again
                    self._buffer[:0] = batch
                raise

    def close(self) -> None:
        _flusher.remove(self)
        self.flush()


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
