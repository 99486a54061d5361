"""The Server-Sent Events of a submission or run: stored events from Last-Event-ID on, live.

Each stored event goes out with its sequence number as the SSE id, so a client reconnecting
with ``Last-Event-ID`` resumes where it was; a finished submission replays its events and the
stream ends after the verdict. While queued, the place in the queue is sent when it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from feynlab.submissions import events, service
from feynlab.submissions.models import State, Submission


@dataclass
class _Snapshot:
    state: str
    position: int | None
    events: list[tuple[int, dict[str, Any]]]


def _read(factory: sessionmaker[Session], submission_id: int, after: int) -> _Snapshot | None:
    with factory() as db:
        submission = db.get(Submission, submission_id)
        if submission is None:
            return None
        state = submission.state  # read first: once done, every event is already stored
        rows = events.after(db=db, submission_id=submission_id, seq=after)
        position = service.queue_position(db=db, submission=submission)
        return _Snapshot(state=state, position=position, events=[(r.seq, r.data) for r in rows])


def parse_last_event_id(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


async def stream(
    *, factory: sessionmaker[Session], submission_id: int, after: int, poll_s: float
) -> AsyncIterator[dict[str, Any]]:
    entry = events.notifier.subscribe(submission_id)
    _, woken = entry
    last_position: int | None = None
    try:
        while True:
            woken.clear()
            snap = await to_thread.run_sync(_read, factory, submission_id, after)
            if snap is None:
                return
            for seq, data in snap.events:
                after = seq
                if data.get("type") == "queued":
                    last_position = data.get("position")
                yield {"id": str(seq), "data": json.dumps(data, separators=(",", ":"))}
            if len(snap.events) >= 500:
                continue  # more stored events to send before waiting
            if snap.state == State.done.value:
                return
            if snap.position is not None and snap.position != last_position:
                last_position = snap.position
                # Not stored (no id): the place in the queue changes as others are served.
                yield {"data": json.dumps({"type": "queued", "position": snap.position})}
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=poll_s)
    finally:
        events.notifier.unsubscribe(submission_id, entry)
