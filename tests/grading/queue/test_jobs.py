"""Job rows on the real database: exclusive and fair claims, store-once, taking up dead workers."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from feynlab import db as database
from feynlab.accounts.models import User
from feynlab.grading.queue import jobs
from feynlab.grading.queue.models import GradingJob
from feynlab.grading.queue.worker import GradingWorker
from feynlab.grading.verdicts import Verdict
from feynlab.progress.models import ExerciseProgress
from feynlab.settings import Settings
from feynlab.submissions import service
from feynlab.submissions.models import Kind, Submission, SubmissionEvent
from feynlab.submissions.sink import SubmissionSink

PASSED = Verdict(status="passed", score=1.0, feedback="ok")


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    return database.session_factory(database.engine_for(settings.database_url))


def _submit(factory: sessionmaker[Session], user: User, n: int = 1) -> list[int]:
    ids = []
    with factory() as db:
        for _ in range(n):
            sub, _job = service.create(
                db=db, user=user, kind=Kind.submission, course="example", exercise="add", code="x"
            )
            ids.append(sub.id)
    return ids


def _claim(factory: sessionmaker[Session], worker: str = "w") -> jobs.Claim | None:
    with factory() as db:
        return jobs.claim_next(db=db, worker=worker)


def _owner(factory: sessionmaker[Session], claim: jobs.Claim) -> int:
    with factory() as db:
        job = db.get(GradingJob, claim.job_id)
        assert job is not None
        return job.user_id


def test_concurrent_workers_never_claim_the_same_job(factory, make_user) -> None:
    users = [make_user() for _ in range(3)]
    for user in users:
        _submit(factory, user, 10)
    claimed: list[int] = []
    lock = threading.Lock()

    def drain() -> None:
        while (claim := _claim(factory, threading.current_thread().name)) is not None:
            with lock:
                claimed.append(claim.job_id)

    threads = [threading.Thread(target=drain, name=f"w{n}") for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 30


def test_a_burst_does_not_starve_the_others(factory, make_user) -> None:
    burst, late1, late2 = make_user(), make_user(), make_user()
    _submit(factory, burst, 8)
    _submit(factory, late1)
    _submit(factory, late2)
    order = []
    while (claim := _claim(factory)) is not None:
        order.append(_owner(factory, claim))
        with factory() as db:  # one worker: each job ends before the next is claimed
            jobs.finish(db=db, claim=claim)
            db.commit()
    assert order[:3] == [burst.id, late1.id, late2.id]
    assert order[3:] == [burst.id] * 7


def test_a_claim_in_flight_hides_none_of_the_queue(factory, make_user, settings) -> None:
    """While a claim holds a learner's first job (not committed yet), the next worker takes
    another learner's first job, or, when no other learner waits, the same learner's next one:
    a worker never finds the queue empty while jobs wait in it."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no claim is ever in flight beside another")
    burst, other = make_user(), make_user()
    _submit(factory, burst, 3)
    _submit(factory, other)
    with factory() as holding:
        held = jobs.claim_next(db=holding, worker="slow", commit=False)
        assert held is not None and _owner(factory, held) == burst.id
        second = _claim(factory, "fast")
        assert second is not None and _owner(factory, second) == other.id
        third = _claim(factory, "fast")  # only the burst's jobs are left, its first one held
        assert third is not None and _owner(factory, third) == burst.id
        assert third.job_id not in (held.job_id, second.job_id)
        holding.commit()
    rest = _claim(factory)
    assert rest is not None and rest.job_id not in (held.job_id, second.job_id, third.job_id)
    assert _claim(factory) is None


def test_learners_waiting_go_before_a_bulk_regrade(factory, make_user) -> None:
    old, waiting = make_user(), make_user()
    ids = _submit(factory, old, 3)
    with factory() as db:
        subs = [db.get(Submission, i) for i in ids]
        service.regrade(db=db, submissions=subs, priority=service.BULK_PRIORITY)  # type: ignore[arg-type]
    _submit(factory, waiting)
    first = _claim(factory)
    assert first is not None and _owner(factory, first) == waiting.id


def test_an_outcome_is_stored_once_however_often_the_job_runs(factory, make_user) -> None:
    user = make_user()
    [sub_id] = _submit(factory, user)
    first = _claim(factory, "first")
    assert first is not None
    with factory() as db:  # the first worker looks dead: its job is taken up again
        db.execute(update(GradingJob).values(heartbeat_at=database.utcnow().replace(year=2000)))
        db.commit()
        assert jobs.reap(db=db, lease_s=30, me="me") == [first.job_id]
    second = _claim(factory, "second")
    assert second is not None and second.attempts == 2 and second.job_id == first.job_id
    with factory() as db:
        assert service.store_outcome(db=db, claim=second, outcome=PASSED) is True
    with factory() as db:  # the first worker was only slow: it finishes too, and is ignored
        assert (
            service.store_outcome(
                db=db, claim=first, outcome=PASSED.model_copy(update={"score": 0.5})
            )
            is False
        )
    with factory() as db:
        verdicts = db.scalar(
            select(func.count()).where(
                SubmissionEvent.submission_id == sub_id, SubmissionEvent.type == "verdict"
            )
        )
        progress = db.scalar(select(ExerciseProgress).where(ExerciseProgress.user_id == user.id))
        submission = db.get(Submission, sub_id)
        assert verdicts == 1
        assert progress is not None and progress.attempts == 1 and progress.passed
        assert submission is not None and submission.score == 1.0


def test_jobs_of_a_dead_process_on_this_host_are_taken_up_at_once(factory, make_user) -> None:
    _submit(factory, make_user(), 2)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    host = jobs.worker_identity().split(":")[0]
    gone = _claim(factory, f"{host}:{dead.stdout.strip()}:abcd")
    alive = _claim(factory, "elsewhere:1:abcd")  # another machine, heartbeat fresh
    assert gone is not None and alive is not None
    with factory() as db:
        assert jobs.reap(db=db, lease_s=30, me=jobs.worker_identity()) == [gone.job_id]


def test_a_job_that_stopped_workers_too_often_ends_as_infra_error(
    factory, make_user, settings
) -> None:
    user = make_user()
    [sub_id] = _submit(factory, user)
    with factory() as db:
        db.execute(update(GradingJob).values(attempts=3))
        db.commit()
    unused: Any = None  # this path never reaches the runner
    worker = GradingWorker(
        settings=settings.model_copy(update={"job_max_attempts": 3}),
        factory=factory,
        runner=unused,
        sink=SubmissionSink(factory=factory, courses_dir=settings.courses_dir),
    )
    assert worker.run_next() is True
    with factory() as db:
        submission = db.get(Submission, sub_id)
        assert submission is not None and submission.state == "done"
        assert submission.status == "infra-error"
        assert "stopped 3 times" in (submission.result or {})["feedback"]
        assert db.scalar(select(ExerciseProgress)) is None  # never counted against the learner


def test_a_failure_between_claim_and_start_leaves_the_job_queued(
    factory, make_user, settings, monkeypatch
) -> None:
    """The claim and the start are one transaction: a worker that fails in between (the
    database went away, a bug) neither holds the job nor leaves it for the reaper."""
    [sub_id] = _submit(factory, make_user())
    unused: Any = None  # never reached
    worker = GradingWorker(
        settings=settings,
        factory=factory,
        runner=unused,
        sink=SubmissionSink(factory=factory, courses_dir=settings.courses_dir),
    )

    def fail(**_: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "mark_started", fail)
    with pytest.raises(RuntimeError):
        worker.run_next()
    with factory() as db:
        job = db.scalar(select(GradingJob).where(GradingJob.submission_id == sub_id))
        assert job is not None and job.state == "queued"
        assert job.attempts == 0 and job.claim_token is None
        assert db.get(Submission, sub_id).state == "queued"  # type: ignore[union-attr]
    monkeypatch.undo()
    assert _claim(factory) is not None  # the next worker takes it at once
