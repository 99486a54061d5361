"""Places in the queue on random queues: the grouped query gives every queued submission the
place it has in the full claim order (the old query, and the same order worked out in Python)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from feynlab import db as database
from feynlab.accounts.models import User
from feynlab.db import utcnow
from feynlab.grading.queue import jobs
from feynlab.grading.queue.models import GradingJob, JobState
from feynlab.settings import Settings
from feynlab.submissions.models import Submission

STATES = [JobState.queued.value] * 5 + [JobState.running.value, JobState.done.value]


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    return database.session_factory(database.engine_for(settings.database_url))


def _seed_random_queue(db: Session, owner: User, rng: random.Random) -> None:
    """Jobs of a few learners in random states and priorities; claim times from a short list,
    so that learners tie on the order's terms (never served, or served at the same instant);
    some submissions with a second round, queued or not; ids in no order of learner."""
    start = utcnow().replace(microsecond=0)
    served = [start + timedelta(seconds=n) for n in range(3)]
    learners = list(range(1, rng.randint(4, 10)))
    fresh = {1, 2, *rng.sample(learners, 1)}  # nothing claimed yet: these tie
    subs = [Submission(user_id=owner.id, course="example", code="x") for _ in range(60)]
    db.add_all(subs)
    db.flush()
    rows = []
    for sub in subs:
        learner = rng.choice(learners)
        for round in range(1, rng.choice([2, 2, 2, 3, 4])):
            state = JobState.queued.value if learner in fresh else rng.choice(STATES)
            claimed = None if state == JobState.queued.value else rng.choice(served)
            if state == JobState.queued.value and learner not in fresh and rng.random() < 0.2:
                claimed = rng.choice(served)  # released or reaped: queued again
            rows.append(
                GradingJob(
                    submission_id=sub.id,
                    user_id=learner,
                    round=round,
                    state=state,
                    priority=rng.choice([0, 0, 0, 1]),
                    attempts=0,
                    claimed_at=claimed,
                )
            )
    rng.shuffle(rows)
    for row in rows:  # one at a time: the ids follow the shuffled order
        db.add(row)
        db.flush()


def _old_places(conn: Connection) -> dict[int, int]:
    """The places as they were computed before: every queued job sorted in the claim order."""
    job = aliased(GradingJob, name="candidate")
    other = aliased(GradingJob, name="other")
    order = (
        select(job.submission_id)
        .where(job.state == JobState.queued.value)
        .order_by(*jobs._claim_order(job, other))
    )
    places: dict[int, int] = {}
    for place, (sid,) in enumerate(conn.execute(order), start=1):
        places[sid] = place
    return places


def _python_places(db: Session) -> tuple[dict[int, int], bool]:
    """The claim order worked out from the rows; and whether two learners' jobs tied on every
    term but the job id (their jobs then go by id, interleaved)."""
    rows = db.execute(select(GradingJob)).scalars().all()
    running: dict[int, int] = {}
    last: dict[int, object] = {}
    for row in rows:
        running.setdefault(row.user_id, 0)
        running[row.user_id] += row.state == JobState.running.value
        if row.claimed_at is not None:
            last[row.user_id] = max(row.claimed_at, last.get(row.user_id, row.claimed_at))

    def terms(row: GradingJob) -> tuple[object, ...]:
        served = last.get(row.user_id)
        return (row.priority, running[row.user_id], served is not None, served or 0)

    queued = sorted(
        (row for row in rows if row.state == JobState.queued.value),
        key=lambda row: (*terms(row), row.id),
    )
    places = {row.submission_id: place for place, row in enumerate(queued, start=1)}
    learners_by_terms: dict[tuple[object, ...], set[int]] = {}
    for row in queued:
        learners_by_terms.setdefault(terms(row), set()).add(row.user_id)
    return places, any(len(users) > 1 for users in learners_by_terms.values())


@pytest.mark.parametrize("seed", range(8))
def test_places_are_those_of_the_full_claim_order(factory, make_user, seed) -> None:
    rng = random.Random(seed)
    owner = make_user()
    with factory() as db:
        _seed_random_queue(db, owner, rng)
        db.commit()
    with factory() as db:
        expected, tied = _python_places(db)
        conn = db.connection()
        assert _old_places(conn) == expected
        assert expected and tied  # the seeds make learners tie: the tier path is exercised
        everyone = list(db.execute(select(Submission.id)).scalars())
        assert jobs.positions(conn=conn, submission_ids=everyone) == expected
        some = rng.sample(everyone, 12)
        assert jobs.positions(conn=conn, submission_ids=some) == {
            sid: place for sid, place in expected.items() if sid in some
        }
        for sid in everyone:
            assert jobs.position(db=db, submission_id=sid) == expected.get(sid)
        assert jobs.positions(conn=conn, submission_ids=[]) == {}


def test_learners_who_tie_are_served_by_job_id(factory, make_user) -> None:
    """Two learners never served: their jobs interleave by id; once one is served, the other's
    jobs all go first."""
    owner = make_user()
    with factory() as db:
        subs = [Submission(user_id=owner.id, course="example", code="x") for _ in range(4)]
        db.add_all(subs)
        db.flush()
        for sub, learner in zip(subs, [1, 2, 1, 2], strict=True):
            jobs.create(db=db, submission_id=sub.id, user_id=learner, round=1, priority=0)
        ids = [sub.id for sub in subs]
        conn = db.connection()
        assert jobs.positions(conn=conn, submission_ids=ids) == {ids[n]: n + 1 for n in range(4)}
        first = jobs.claim_next(db=db, worker="w")
        assert first is not None and first.submission_id == ids[0]
        jobs.finish(db=db, claim=first)
        assert jobs.positions(conn=db.connection(), submission_ids=ids) == {
            ids[1]: 1,
            ids[3]: 2,
            ids[2]: 3,
        }
