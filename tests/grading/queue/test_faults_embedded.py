"""Faults with real `feynlab serve` processes on the embedded queue: kill -9 mid-job, a restart
with jobs queued, and a burst of 200 submissions from 20 learners."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feynlab import db as database
from feynlab.grading.queue.models import GradingJob
from feynlab.progress.models import ExerciseProgress
from feynlab.settings import Settings
from feynlab.submissions import service
from feynlab.submissions.models import Kind, Submission
from tests.grading.queue import procs
from tests.submissions.helpers import SOLUTION

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
SLOW_SOLUTION = "import time\ntime.sleep(2)\n" + SOLUTION


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    return database.session_factory(database.engine_for(settings.database_url))


def test_kill_9_mid_job_then_restart_grades_it_once(
    settings: Settings, factory, make_user, tmp_path: Path
) -> None:
    user = make_user()
    server, base = procs.serve(settings, tmp_path / "serve1.log")
    try:
        sub_id = procs.post_code(base, procs.bearer(base, user.email), SLOW_SOLUTION)
        procs.wait_for(lambda: procs.states(factory, [sub_id])[sub_id] == "running", 60, "start")
    finally:
        server.kill9()
    assert procs.states(factory, [sub_id])[sub_id] == "running"
    server, base = procs.serve(settings, tmp_path / "serve2.log")
    try:
        procs.wait_for(lambda: procs.all_done(factory, [sub_id]), 90, "the verdict")
    finally:
        server.stop()
    job = procs.job_of(factory, sub_id)
    assert job.attempts == 2 and job.state == "done"
    assert procs.verdict_counts(factory, [sub_id]) == {sub_id: 1}
    with factory() as db:
        assert db.get(Submission, sub_id).status == "passed"  # type: ignore[union-attr]
        progress = db.scalar(select(ExerciseProgress).where(ExerciseProgress.user_id == user.id))
        assert progress is not None and progress.attempts == 1


def test_stop_and_restart_with_jobs_queued_grades_them_all(
    settings: Settings, factory, make_user, tmp_path: Path
) -> None:
    users = [make_user() for _ in range(3)]
    server, base = procs.serve(settings, tmp_path / "serve1.log")
    try:
        ids = [
            procs.post_code(base, procs.bearer(base, user.email), SLOW_SOLUTION)
            for user in users
            for _ in range(2)
        ]
    finally:
        server.stop()  # SIGTERM: the running job finishes, the others stay queued
    assert not procs.all_done(factory, ids)
    server, base = procs.serve(settings, tmp_path / "serve2.log")
    try:
        procs.wait_for(lambda: procs.all_done(factory, ids), 120, "every verdict")
    finally:
        server.stop()
    assert procs.verdict_counts(factory, ids) == {i: 1 for i in ids}
    with factory() as db:
        statuses = set(db.scalars(select(Submission.status).where(Submission.id.in_(ids))))
    assert statuses == {"passed"}


def test_a_burst_of_200_from_20_learners_is_graded_once_each_and_fairly(
    settings: Settings, factory, make_user, tmp_path: Path
) -> None:
    learners = [make_user() for _ in range(20)]
    early, late = learners[:10], learners[10:]
    ids: dict[int, int] = {}  # submission -> learner
    with factory() as db:  # a backlog, learner by learner: FIFO would serve each one's ten in turn
        for user in early:
            for _ in range(10):
                sub, _job = service.create(
                    db=db,
                    user=user,
                    kind=Kind.submission,
                    course="example",
                    exercise="add",
                    code=SOLUTION,
                )
                ids[sub.id] = user.id
    server, base = procs.serve(settings, tmp_path / "serve.log", FEYNLAB_WORKERS="2")
    try:
        tokens = {user.id: procs.bearer(base, user.email) for user in late}

        def burst(user_id: int) -> list[tuple[int, int]]:
            return [(procs.post_code(base, tokens[user_id], SOLUTION), user_id) for _ in range(10)]

        with ThreadPoolExecutor(max_workers=10) as pool:  # ten more learners, all at once
            for pairs in pool.map(burst, [user.id for user in late]):
                ids.update(pairs)
        procs.wait_for(lambda: procs.all_done(factory, list(ids)), 600, "200 verdicts", 0.5)
    finally:
        server.stop()
    assert len(ids) == 200
    assert procs.verdict_counts(factory, list(ids)) == {i: 1 for i in ids}
    with factory() as db:
        rows = db.execute(
            select(Submission.id, Submission.status, GradingJob.attempts)
            .join(GradingJob, GradingJob.submission_id == Submission.id)
            .where(Submission.id.in_(list(ids)))
            .order_by(GradingJob.claimed_at, GradingJob.id)
        ).all()
    assert len(rows) == 200
    assert {status for _, status, _ in rows} == {"passed"}
    assert {attempts for _, _, attempts in rows} == {1}
    first_start: dict[int, int] = {}
    for rank, (sub_id, _, _) in enumerate(rows):
        first_start.setdefault(ids[sub_id], rank)
    # FIFO would start the backlog's learners at 0, 10, ..., 90 and the burst's after 100.
    assert max(first_start[u.id] for u in early) < 30, first_start
    assert max(first_start[u.id] for u in late) < 100, first_start
