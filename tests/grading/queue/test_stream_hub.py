"""The event hub on the real database: every open stream of a process is served by shared reads,
events arrive in order with nothing lost or repeated, the place in the queue follows the queue."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from anyio import to_thread
from sqlalchemy import delete, event, update
from sqlalchemy.orm import Session, sessionmaker

from feynlab import db as database
from feynlab.accounts.models import User
from feynlab.grading.queue import jobs
from feynlab.settings import Settings
from feynlab.submissions import events, service, stream
from feynlab.submissions.models import Kind, State, Submission, SubmissionEvent
from feynlab.submissions.stream import READ_LIMIT, Hub

VERDICT = {"type": "verdict", "status": "passed", "score": 1.0}


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    return database.session_factory(database.engine_for(settings.database_url))


@pytest.fixture
def event_reads(factory: sessionmaker[Session]) -> Iterator[list[str]]:
    """The SELECTs that read stored events back, as the database receives them."""
    seen: list[str] = []
    engine = factory.kw["bind"]

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (
            statement.lstrip().upper().startswith("SELECT")
            and "submission_events.data" in statement
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _create(factory: sessionmaker[Session], user: User, n: int) -> list[int]:
    with factory() as db:
        return [
            service.create(
                db=db, user=user, kind=Kind.submission, course="example", exercise="add", code="x"
            )[0].id
            for _ in range(n)
        ]


def _store_elsewhere(
    factory: sessionmaker[Session], sid: int, stored: list[dict[str, Any]], *, done: bool = False
) -> None:
    """Write events as a Celery worker in another process does: no hand-over to our streams."""
    with factory() as db:
        events.append(db=db, submission_id=sid, events=stored)
        if done:
            db.execute(update(Submission).where(Submission.id == sid).values(state="done"))
        db.commit()


async def _collect(hub: Hub, sid: int, after: int = 0) -> list[tuple[int | None, dict[str, Any]]]:
    got = []
    async for item in hub.stream(submission_id=sid, after=after):
        got.append((int(item["id"]) if "id" in item else None, json.loads(item["data"])))
    return got


def test_fifty_open_streams_share_each_read(factory, make_user, event_reads) -> None:
    sids = _create(factory, make_user(), 50)

    async def main() -> list[list[tuple[int | None, dict[str, Any]]]]:
        hub = Hub(factory=factory, poll_s=0.05)
        streams = [asyncio.create_task(_collect(hub, sid)) for sid in sids]
        await asyncio.sleep(0.3)
        for sid in sids:
            work = [{"type": "started"}, {"type": "stdout", "text": f"hello {sid}\n"}, VERDICT]
            await to_thread.run_sync(
                lambda s=sid, w=work: _store_elsewhere(factory, s, w, done=True)
            )
        return await asyncio.wait_for(asyncio.gather(*streams), timeout=30)

    for sid, got in zip(sids, asyncio.run(main()), strict=True):
        stored = [(i, e["type"]) for i, e in got if i is not None]
        assert stored == [(1, "queued"), (2, "started"), (3, "stdout"), (4, "verdict")]
        assert got[2][1]["text"] == f"hello {sid}\n"
    # A read per stream would be at least 50 for the first replays alone.
    assert 0 < len(event_reads) < 50


def test_a_new_stream_between_polls_reads_for_itself_only(factory, make_user, monkeypatch) -> None:
    """Between two polls, a stream that opens reads its own replay: the others, already up to
    date, are not read again, nor is the queue (places are refreshed by the poll)."""
    sids = _create(factory, make_user(), 11)
    reads: list[tuple[set[int], bool]] = []
    real = stream._read_many

    def spy(factory: Any, wanted: dict[int, int], positions: bool = True) -> Any:
        reads.append((set(wanted), positions))
        return real(factory, wanted, positions)

    monkeypatch.setattr(stream, "_read_many", spy)

    async def main() -> list[tuple[set[int], bool]]:
        hub = Hub(factory=factory, poll_s=60)  # one poll at the start, then none
        streams = [asyncio.create_task(_collect(hub, sid)) for sid in sids[:10]]
        await asyncio.sleep(0.5)
        assert reads and reads[0][1] is True  # the first read is a poll: places included
        assert set().union(*(wanted for wanted, _ in reads)) == set(sids[:10])
        reads.clear()
        streams.append(asyncio.create_task(_collect(hub, sids[10])))
        await asyncio.sleep(0.5)
        late = list(reads)
        for sid in sids:  # end every stream (handed over in this process)
            await to_thread.run_sync(
                lambda s=sid: events.append_now(factory=factory, submission_id=s, events=[VERDICT])
            )
        await asyncio.wait_for(asyncio.gather(*streams), timeout=10)
        return late

    assert asyncio.run(main()) == [({sids[10]}, False)]


def test_a_replay_longer_than_one_read_arrives_whole_and_in_order(factory, make_user) -> None:
    (sid,) = _create(factory, make_user(), 1)
    lines = [{"type": "stdout", "text": f"{n}\n"} for n in range(2 * READ_LIMIT + 5)]
    _store_elsewhere(factory, sid, [*lines, VERDICT], done=True)
    total = len(lines) + 2  # with the queued event first

    whole = asyncio.run(_collect(Hub(factory=factory, poll_s=5), sid))
    assert [i for i, _ in whole] == list(range(1, total + 1))
    assert whole[-1][1]["type"] == "verdict"
    assert [e["text"] for _, e in whole[1:-1]] == [f"{n}\n" for n in range(len(lines))]
    resumed = asyncio.run(_collect(Hub(factory=factory, poll_s=5), sid, after=READ_LIMIT + 3))
    assert [i for i, _ in resumed] == list(range(READ_LIMIT + 4, total + 1))


def test_events_written_in_this_process_arrive_without_a_read(
    factory, make_user, event_reads
) -> None:
    (sid,) = _create(factory, make_user(), 1)

    async def main() -> list[tuple[int | None, dict[str, Any]]]:
        hub = Hub(factory=factory, poll_s=60)  # no polling: only the hand-over can deliver
        stream = asyncio.create_task(_collect(hub, sid))
        await asyncio.sleep(0.3)
        before = len(event_reads)
        for batch in ([{"type": "started"}], [{"type": "stdout", "text": "hi\n"}], [VERDICT]):
            await to_thread.run_sync(
                lambda b=batch: events.append_now(factory=factory, submission_id=sid, events=b)
            )
        got = await asyncio.wait_for(stream, timeout=10)
        assert event_reads[before:] == []  # no stream read the events back
        return got

    got = asyncio.run(main())
    assert [(i, e["type"]) for i, e in got] == [
        (1, "queued"),
        (2, "started"),
        (3, "stdout"),
        (4, "verdict"),
    ]


def test_a_stream_resumes_across_a_regrade_that_deleted_what_it_had(factory, make_user) -> None:
    (sid,) = _create(factory, make_user(), 1)
    _store_elsewhere(factory, sid, [{"type": "started"}, {"type": "stdout", "text": "old\n"}])
    with factory() as db:  # what a regrade does: the old round's events go, numbering goes on
        db.execute(delete(SubmissionEvent).where(SubmissionEvent.submission_id == sid))
        events.append(db=db, submission_id=sid, events=[{"type": "queued", "position": 1}], after=3)
        db.commit()

    async def main() -> list[tuple[int | None, dict[str, Any]]]:
        hub = Hub(factory=factory, poll_s=0.05)
        stream = asyncio.create_task(_collect(hub, sid, after=2))  # it had seen 1 and 2
        await asyncio.sleep(0.3)
        await to_thread.run_sync(
            lambda: _store_elsewhere(factory, sid, [{"type": "started"}, VERDICT], done=True)
        )
        return await asyncio.wait_for(stream, timeout=10)

    got = asyncio.run(main())
    assert [(i, e["type"]) for i, e in got] == [(4, "queued"), (5, "started"), (6, "verdict")]


def test_the_place_in_the_queue_follows_the_queue(factory, make_user) -> None:
    sids = _create(factory, make_user(), 3)
    claimed = threading.Event()

    def claim_two() -> None:
        for _ in range(2):
            with factory() as db:
                assert jobs.claim_next(db=db, worker="elsewhere") is not None
        claimed.set()

    async def main() -> list[tuple[int | None, dict[str, Any]]]:
        hub = Hub(factory=factory, poll_s=0.05)
        got: list[tuple[int | None, dict[str, Any]]] = []
        stream = hub.stream(submission_id=sids[2], after=0)
        async for item in stream:
            got.append((int(item["id"]) if "id" in item else None, json.loads(item["data"])))
            if len(got) == 1:
                await to_thread.run_sync(claim_two)
            elif got[-1][1] == {"type": "queued", "position": 1}:
                break
        await stream.aclose()
        return got

    got = asyncio.run(asyncio.wait_for(main(), timeout=10))
    assert got[0] == (1, {"type": "queued", "position": 3})  # stored when it was sent
    assert got[-1] == (None, {"type": "queued", "position": 1})  # not stored: it changes
    with factory() as db:
        assert db.get(Submission, sids[2]).state == State.queued.value  # type: ignore[union-attr]
