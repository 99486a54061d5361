"""A submission's event stream: stored rows with a sequence number, and in-process wake-ups.

Events are persisted so that a client reconnecting with Last-Event-ID resumes where it was and
a finished submission replays them; streams in this process are woken as soon as events are
written here, and poll for events written by other processes (Celery workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from feynlab.submissions.models import SubmissionEvent

FLUSH_EVERY_S = 0.05


class Notifier:
    """Wakes async event streams waiting on a submission when this process wrote to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def subscribe(self, submission_id: int) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(submission_id, set()).add(entry)
        return entry

    def unsubscribe(
        self, submission_id: int, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]
    ) -> None:
        with self._lock:
            waiters = self._waiters.get(submission_id)
            if waiters is not None:
                waiters.discard(entry)
                if not waiters:
                    del self._waiters[submission_id]

    def notify(self, submission_id: int) -> None:
        with self._lock:
            waiters = list(self._waiters.get(submission_id, ()))
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop: that stream is gone
                loop.call_soon_threadsafe(event.set)


notifier = Notifier()


def last_seq(*, db: Session, submission_id: int) -> int:
    last = db.scalar(
        select(func.max(SubmissionEvent.seq)).where(SubmissionEvent.submission_id == submission_id)
    )
    return int(last or 0)


def append(*, db: Session, submission_id: int, events: list[dict[str, Any]], after: int = 0) -> int:
    """Add events after the last one (in the caller's transaction); returns the last seq.
    ``after`` keeps numbering going past events deleted by a regrade."""
    seq = max(last_seq(db=db, submission_id=submission_id), after)
    for event in events:
        seq += 1
        db.add(
            SubmissionEvent(
                submission_id=submission_id, seq=seq, type=str(event["type"]), data=event
            )
        )
    db.flush()
    return seq


def append_now(
    *, factory: sessionmaker[Session], submission_id: int, events: list[dict[str, Any]]
) -> None:
    """Append and commit in a session of its own, retrying if another writer took the seq."""
    for attempt in range(5):
        with factory() as db:
            try:
                append(db=db, submission_id=submission_id, events=events)
                db.commit()
                break
            except IntegrityError:
                db.rollback()
                if attempt == 4:
                    raise
    notifier.notify(submission_id)


def after(*, db: Session, submission_id: int, seq: int, limit: int = 500) -> list[SubmissionEvent]:
    return list(
        db.scalars(
            select(SubmissionEvent)
            .where(SubmissionEvent.submission_id == submission_id, SubmissionEvent.seq > seq)
            .order_by(SubmissionEvent.seq)
            .limit(limit)
        )
    )


class EventWriter:
    """The ``on_event`` sink of one job: buffers the runner's events and stores them in batches
    (a learner printing 10,000 lines must not cost 10,000 commits)."""

    def __init__(self, *, factory: sessionmaker[Session], submission_id: int) -> None:
        self._factory = factory
        self._submission_id = submission_id
        self._lock = threading.Lock()
        self._buffer: list[dict[str, Any]] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="event-writer", daemon=True)
        self._thread.start()

    def __call__(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._buffer.append(dict(event))

    def flush(self) -> None:
        with self._lock:
            batch, self._buffer = self._buffer, []
        if batch:
            append_now(factory=self._factory, submission_id=self._submission_id, events=batch)

    def _loop(self) -> None:
        while not self._closed.wait(FLUSH_EVERY_S):
            self.flush()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)
        self.flush()
