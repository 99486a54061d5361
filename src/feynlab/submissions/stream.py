"""The Server-Sent Events of a submission or run: stored events from Last-Event-ID on, live.

Each stored event goes out with its sequence number as the SSE id, so a client reconnecting
with ``Last-Event-ID`` resumes where it was; a finished submission replays its events and the
stream ends after the verdict. While queued, the place in the queue is sent when it changes.

One ``Hub`` per process serves every open stream: events written in this process arrive
through ``events.notifier`` without a read; the hub reads what it cannot know that way (a new
stream's replay, events written by Celery workers, places in the queue) for all its streams at
once, so fifty open streams cost one query a tick, not fifty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from feynlab.grading.queue import jobs
from feynlab.submissions import events
from feynlab.submissions.events import Item
from feynlab.submissions.models import State, Submission, SubmissionEvent

log = logging.getLogger("feynlab.events")

READ_LIMIT = 2000  # events read in one tick, all streams together
MIN_GAP_S = 0.02  # between two reads: a burst of wake-ups costs one read
POSITION_EVERY_S = 1.0  # places in the queue are refreshed this often (each is a send a stream)


class Subscription:
    """One open stream: the events it has not sent yet, in order, and what the hub knows."""

    def __init__(self, *, submission_id: int, after: int, hub: _LoopHub) -> None:
        self.submission_id = submission_id
        self.after = after  # the last seq taken in
        self.loop = hub.loop
        self.hub = hub
        self.ready: list[Item] = []
        self.woken = asyncio.Event()
        self.stale = True  # the database may hold events this stream has not seen
        self.done = False
        self.gone = False
        self.state: str | None = None
        self.position: int | None = None

    def offer(self, items: list[Item] | None, *, stored: bool = False) -> None:
        """Take events in seq order (in the stream's loop). Events handed over by a writer must
        follow on (a gap or ``None`` asks the hub for a read); events read from the database
        (``stored``) are the truth, gaps included (a regrade deletes the old round's events)."""
        if items is None:
            self.stale = True
        else:
            for seq, data in items:
                if seq <= self.after:
                    continue
                if seq != self.after + 1 and not stored:
                    self.stale = True
                    break
                self.ready.append((seq, data))
                self.after = seq
                kind = data.get("type")
                if kind == "started":
                    self.state, self.position = State.running.value, None
                elif kind == "verdict":
                    self.done = True
        if self.stale:
            self.hub.kick()
        self.woken.set()

    def take(self) -> list[Item]:
        taken, self.ready = self.ready, []
        return taken


@dataclass
class _Snapshot:
    state: str | None = None  # None: the submission is gone
    position: int | None = None
    events: list[Item] = field(default_factory=list)


# Built once: these run every tick (expanding IN lists keep the compiled form cached).
_STATES = select(Submission.id, Submission.state).where(
    Submission.id.in_(bindparam("ids", expanding=True))
)
_EVENTS = (
    select(SubmissionEvent.submission_id, SubmissionEvent.seq, SubmissionEvent.data)
    .where(
        SubmissionEvent.submission_id.in_(bindparam("ids", expanding=True)),
        SubmissionEvent.seq > bindparam("after"),
    )
    .order_by(SubmissionEvent.submission_id, SubmissionEvent.seq)
    .limit(READ_LIMIT)
)


def _read_many(
    factory: sessionmaker[Session], wanted: dict[int, int], positions: bool = True
) -> tuple[dict[int, _Snapshot], bool]:
    """State, events after the given seq and (with ``positions``) place in the queue of each
    submission, in a few queries for all of them; and whether some events were cut at
    ``READ_LIMIT``."""
    snaps = {sid: _Snapshot() for sid in wanted}
    cut = False
    with factory() as db:
        conn = db.connection()
        # States first: once a submission is done, all its events are already stored.
        for sid, state in conn.execute(_STATES, {"ids": list(wanted)}):
            snaps[sid].state = state
        by_after: dict[int, list[int]] = {}  # streams mostly share a few Last-Event-IDs
        for sid, after in wanted.items():
            if snaps[sid].state is not None:
                by_after.setdefault(after, []).append(sid)
        for after, sids in by_after.items():
            rows = conn.execute(_EVENTS, {"ids": sids, "after": after}).all()
            cut = cut or len(rows) >= READ_LIMIT
            for sid, seq, data in rows:
                snaps[sid].events.append((seq, data))
        queued = [sid for sid, snap in snaps.items() if snap.state == State.queued.value]
        if positions and queued:
            for sid, place in jobs.positions(conn=conn, submission_ids=queued).items():
                snaps[sid].position = place
    return snaps, cut


class _LoopHub:
    """The streams of one event loop and the task that reads for them."""

    def __init__(self, *, factory: sessionmaker[Session], poll_s: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.factory = factory
        self.poll_s = poll_s
        self.subs: dict[int, set[Subscription]] = {}
        self._kicked = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._kicked.set()

    def add(self, sub: Subscription) -> None:
        self.subs.setdefault(sub.submission_id, set()).add(sub)
        events.notifier.subscribe(sub.submission_id, sub)
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._run())
        self.kick()

    def remove(self, sub: Subscription) -> None:
        events.notifier.unsubscribe(sub.submission_id, sub)
        found = self.subs.get(sub.submission_id)
        if found is not None:
            found.discard(sub)
            if not found:
                del self.subs[sub.submission_id]
        if not self.subs:
            self.kick()  # the reading task ends

    async def _run(self) -> None:
        """Read for every stream each ``poll_s`` (events of other processes, places in the
        queue); in between, on a kick, read for the streams that asked (a new stream's replay,
        a gap) only: at 50 open streams a new one then costs two small queries, not three
        queries and a pass over all fifty."""
        last_read = 0.0
        next_full = next_positions = 0.0
        while self.subs:
            with contextlib.suppress(TimeoutError):
                wait = max(0.0, next_full - time.monotonic())
                await asyncio.wait_for(self._kicked.wait(), timeout=wait)
            gap = MIN_GAP_S - (time.monotonic() - last_read)
            if gap > 0:
                await asyncio.sleep(gap)
            self._kicked.clear()
            last_read = time.monotonic()
            full = last_read >= next_full
            positions = full and last_read >= next_positions
            if full:
                next_full = last_read + self.poll_s
            if positions:
                next_positions = last_read + max(self.poll_s, POSITION_EVERY_S)
            try:
                await self._read(full=full, positions=positions)
            except Exception:  # a bug here must not leave every open stream waiting forever
                log.exception("serving the event streams failed; reading again next tick")

    async def _read(self, *, full: bool, positions: bool) -> None:
        # A stream whose client has not taken what it was given yet is read for later.
        wanted = {
            sid: min(s.after for s in subs)
            for sid, subs in self.subs.items()
            if subs
            and (full or any(s.stale for s in subs))
            and all(len(s.ready) < READ_LIMIT for s in subs)
        }
        if not wanted:
            return
        try:
            snaps, cut = await to_thread.run_sync(_read_many, self.factory, wanted, positions)
        except Exception:  # the database may be briefly away: the streams wait for the next tick
            log.exception("reading the event streams failed; trying again")
            return
        for sid, snap in snaps.items():
            for sub in list(self.subs.get(sid, ())):
                sub.stale = cut  # cut short: more may be stored
                sub.state = snap.state
                if positions or snap.state != State.queued.value:
                    sub.position = snap.position
                sub.gone = snap.state is None
                sub.offer(snap.events, stored=True)
                if snap.state == State.done.value and not cut:
                    sub.done = True


class StreamCount:
    """Open streams per user in this process (thread-safe: routes reserve from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[int, int] = {}

    def reserve(self, user_id: int, cap: int) -> bool:
        with self._lock:
            if self._open.get(user_id, 0) >= cap:
                return False
            self._open[user_id] = self._open.get(user_id, 0) + 1
            return True

    def release(self, user_id: int) -> None:
        with self._lock:
            left = self._open.get(user_id, 0) - 1
            if left > 0:
                self._open[user_id] = left
            else:
                self._open.pop(user_id, None)


class Hub:
    """Every open event stream of this process (one ``_LoopHub`` per event loop)."""

    def __init__(self, *, factory: sessionmaker[Session], poll_s: float) -> None:
        self.factory = factory
        self.poll_s = poll_s
        self._loops: dict[asyncio.AbstractEventLoop, _LoopHub] = {}
        self.streams = StreamCount()

    def _for_this_loop(self) -> _LoopHub:
        loop = asyncio.get_running_loop()
        for other in [other for other in self._loops if other.is_closed()]:
            del self._loops[other]
        found = self._loops.get(loop)
        if found is None:
            found = self._loops[loop] = _LoopHub(factory=self.factory, poll_s=self.poll_s)
        return found

    def stream(
        self, *, submission_id: int, after: int, user_id: int | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """The stream's events; a ``user_id`` reserved in ``streams`` is released once, at the
        stream's end, or when it is dropped without ever starting (the client left before the
        first byte: a generator that never ran has no ``finally`` to run)."""
        lock, released = threading.Lock(), [False]

        def release() -> None:
            with lock:
                if user_id is None or released[0]:
                    return
                released[0] = True
            self.streams.release(user_id)

        async def events() -> AsyncIterator[dict[str, Any]]:
            try:
                async for item in self._stream(submission_id=submission_id, after=after):
                    yield item
            finally:
                release()

        generator = events()
        weakref.finalize(generator, release)
        return generator

    async def _stream(self, *, submission_id: int, after: int) -> AsyncIterator[dict[str, Any]]:
        hub = self._for_this_loop()
        sub = Subscription(submission_id=submission_id, after=after, hub=hub)
        hub.add(sub)
        last_position: int | None = None
        try:
            while True:
                sub.woken.clear()
                for seq, data in sub.take():
                    if data.get("type") == "queued":
                        last_position = data.get("position")
                    yield {"id": str(seq), "data": _dumps(data)}
                if sub.done or sub.gone:
                    return
                if sub.stale:
                    hub.kick()  # the client took its events: read on
                if (
                    not sub.stale
                    and sub.state == State.queued.value
                    and sub.position is not None
                    and sub.position != last_position
                ):
                    last_position = sub.position
                    # Not stored (no id): the place in the queue changes as others are served.
                    yield {"data": json.dumps({"type": "queued", "position": sub.position})}
                await sub.woken.wait()
        finally:
            hub.remove(sub)


def _dumps(data: dict[str, Any]) -> str:
    """Strict JSON (no NaN: a browser's JSON.parse would drop the event), even for rows stored
    before storage cleaned them."""
    return json.dumps(events.safe_event(data), separators=(",", ":"), allow_nan=False)


def parse_last_event_id(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
