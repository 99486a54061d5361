"""Places in the queue at a big backlog: the full claim-order query (before) against the grouped
one (``jobs.positions``), on SQLite and, with --postgres, PostgreSQL.

Issue 17 item 2. Seeds --jobs grading jobs (default 20,000) from --learners learners (default
2,000), submitted in random order (the learners' jobs interleave by id): every tenth learner has
a job running, half of the others were served once before (a done job, a claim time of its
own), the rest were never served, so they all tie on the order's terms and their jobs go by id
(the grouped query's largest tier). Then, over interleaved rounds, times one submission's place
(``jobs.position``: on submit and on GET) and the event hub's read of 50 open streams' places
(``jobs.positions`` of 50 submissions, once a second), old against new, and checks that both
give the same places. SQLite: a fresh file; PostgreSQL: the database `positions_bench`, dropped
and created afresh on the server of the URL given (its own database: no other test's tables).
Usage: python bench/queue_positions.py [--jobs N] [--learners N] [--rounds N] [--streams N]
       [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, func, insert, select, text
from sqlalchemy.orm import Session, aliased

from feynlab import db
from feynlab.accounts.models import User
from feynlab.grading.queue import jobs
from feynlab.grading.queue.models import GradingJob, JobState
from feynlab.submissions.models import Submission

BENCH_DATABASE = "positions_bench"


def old_positions(conn: Connection) -> dict[int, int]:
    """The places as computed before: every queued job sorted in the claim order, each of the
    order's per-learner terms a subquery per job, every row sent to Python."""
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


def fresh_postgres(admin_url: str) -> str:
    """Drop and create the benchmark's own database, migrated to head."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
    engine.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + BENCH_DATABASE
    db.upgrade(url)
    return url


def seed(url: str, *, n_jobs: int, learners: int, rng: random.Random) -> list[int]:
    """Learners, one submission per job, and the jobs, in bulk; returns the queued submissions."""
    now = datetime.now(UTC)
    engine = db.engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "email": f"learner{i}@positions.bench",
                    "name": f"Learner {i}",
                    "password_hash": "!",
                    "role": "learner",
                    "created_at": now,
                }
                for i in range(learners)
            ],
        )
        users = list(conn.execute(select(User.id).order_by(User.id)).scalars())
        running = set(users[::10])
        served = {u: now - timedelta(seconds=rng.randrange(3600)) for u in users[1::2]}
        owners = [users[n % learners] for n in range(n_jobs)]
        rng.shuffle(owners)
        states = {u: [JobState.running.value] for u in running}
        states.update({u: [JobState.done.value] for u in served if u not in running})
        kinds: list[tuple[int, str]] = []
        for owner in owners:  # a learner's first jobs are its history, the rest wait
            history = states.get(owner)
            kinds.append((owner, history.pop() if history else JobState.queued.value))
        rows = [
            {"kind": "submission", "user_id": owner, "course": "example", "code": "x"}
            for owner, _ in kinds
        ]
        conn.execute(insert(Submission), rows)
        sids = list(conn.execute(select(Submission.id).order_by(Submission.id)).scalars())
        conn.execute(
            insert(GradingJob),
            [
                {
                    "submission_id": sid,
                    "user_id": owner,
                    "round": 1,
                    "state": state,
                    "priority": 0,
                    "attempts": 0 if state == JobState.queued.value else 1,
                    "claimed_at": (
                        None
                        if state == JobState.queued.value
                        else served.get(owner, now - timedelta(seconds=5))
                    ),
                    "created_at": now,
                    "announced_at": now,
                }
                for sid, (owner, state) in zip(sids, kinds, strict=True)
            ],
        )
        conn.execute(text("ANALYZE"))
        queued = select(GradingJob.submission_id).where(GradingJob.state == JobState.queued.value)
        return list(conn.execute(queued).scalars())


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def lookups(session: Session, one: int, hub: list[int]) -> dict[str, Callable[[], Any]]:
    """What each way costs: one submission's place, and the places of the hub's open streams."""
    wanted = set(hub)
    return {
        "old one": lambda: old_positions(session.connection()).get(one),
        "new one": lambda: jobs.position(db=session, submission_id=one),
        "old hub": lambda: {
            s: p for s, p in old_positions(session.connection()).items() if s in wanted
        },
        "new hub": lambda: jobs.positions(conn=session.connection(), submission_ids=hub),
    }


def measure(url: str, queued: list[int], args: argparse.Namespace, rng: random.Random) -> dict:
    engine = db.engine_for(url)
    figures: dict[str, list[float]] = {"old one": [], "new one": [], "old hub": [], "new hub": []}
    with Session(engine) as session:
        conn = session.connection()
        check = rng.sample(queued, min(2000, len(queued)))
        whole = old_positions(conn)
        assert jobs.positions(conn=conn, submission_ids=check) == {s: whole[s] for s in check}
        session.rollback()
        for _ in range(args.rounds):
            one, hub = rng.choice(queued), rng.sample(queued, args.streams)
            calls = lookups(session, one, hub)
            got = {}
            for name in rng.sample(list(calls), len(calls)):  # interleaved, in random order
                ms, got[name] = timed(calls[name])
                figures[name].append(ms)
                session.rollback()
            assert got["old one"] == got["new one"] and got["old hub"] == got["new hub"]
        groups = session.execute(
            select(func.count()).select_from(
                select(GradingJob.user_id, GradingJob.priority)
                .where(GradingJob.state == JobState.queued.value)
                .group_by(GradingJob.user_id, GradingJob.priority)
                .subquery()
            )
        ).scalar_one()
    engine.dispose()
    return {"medians": {k: statistics.median(v) for k, v in figures.items()}, "groups": groups}


def report(name: str, result: dict, queued: int) -> None:
    m = result["medians"]
    print(f"{name}: {queued} queued jobs in {result['groups']} (learner, priority) groups")
    print("| lookup | old ms | new ms | old / new |")
    print("|---|---:|---:|---:|")
    for label, key in (("one submission's place", "one"), ("hub read, 50 streams", "hub")):
        old, new = m[f"old {key}"], m[f"new {key}"]
        print(f"| {label} | {old:.1f} | {new:.1f} | {old / new:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server gets positions_bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'positions.db'}")]
        if args.postgres:
            targets.append(("PostgreSQL", ""))
        for name, url in targets:
            if name == "PostgreSQL":
                url = fresh_postgres(args.postgres)
            else:
                db.upgrade(url)
            rng = random.Random(17)
            queued = seed(url, n_jobs=args.jobs, learners=args.learners, rng=rng)
            report(name, measure(url, queued, args, rng), len(queued))
        if args.postgres:
            engine = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            engine.dispose()


if __name__ == "__main__":
    main()
