"""Scale by simulation: the Celery queue on PostgreSQL with 1 to 32 worker processes.

Issue 17 item 6. Seeds a burst of submissions (default 20,000 from 2,000 learners, each learner's
submissions one after the other, so a first-come queue would serve learner 1's ten before
learner 2's first) straight into a database of its own, announces every job to the broker,
starts N real `feynlab worker --concurrency 1` processes (Celery, Redis, PostgreSQL: the code
that runs in production) and lets them drain the queue. The grading is simulated: each
submission's learner code sleeps --grading-s seconds, so the machine's CPU is not the limit and
the ideal rate is N / grading time.
  --runner sleep (default): the worker's runner sleeps the learner's time itself (no sandbox):
      it measures the coordination alone (broker, claim, start, events, store);
  --runner sandbox: the learner code runs in the real sandbox (bubblewrap, a NumPy zygote per
      worker process) and sleeps there; costs ~0.1 s of CPU per verdict and a zygote per
      process, which a 2-core machine cannot give 32 workers at full rate.
Per worker count it prints verdicts/s against the ideal, the claim's SQL time (p50/p99, timed
inside the workers) and a worker's idle gap between storing a verdict and claiming the next job
(broker round trip + claim), fairness (the slowest learner's mean wait against the median, when
the queue was drained; else the spread of verdicts per learner), and the checks: nothing lost,
nothing graded twice (job attempts, started and verdict events per submission, the runner's own
log of what it graded). Every phase starts from an empty queue.
Usage: python bench/scale.py [--workers 1,2,4,8,16,32] [--submissions N] [--learners N]
       [--grading-s S] [--seconds S] [--runner sleep|sandbox] [--explain]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

REPO = Path(__file__).resolve().parents[1]
FEYNLAB = str(Path(sys.executable).parent / "feynlab")
COURSES = REPO / "tests" / "fixtures" / "courses"  # example/add: a two-line exercise
COURSE, EXERCISE = "example", "add"
HEADER = "# scale-bench submission "
SOLUTION = "import time\n\ntime.sleep({sleep})\n\n\ndef add(a, b):\n    return a + b\n"


# -- inside each worker process (FEYNLAB_RUNNER_FACTORY=scale:...) --------------------------


def _time_claims(log_dir: Path) -> None:
    """Time each claim's SQL in this worker process (appended to claims-PID.log)."""
    from feynlab.grading.queue import jobs

    claim_next = jobs.claim_next
    out = (log_dir / f"claims-{os.getpid()}.log").open("a", buffering=1)
    lock = threading.Lock()

    def timed(**kwargs: Any) -> Any:
        start = time.perf_counter()
        claim = claim_next(**kwargs)
        elapsed = time.perf_counter() - start
        if claim is not None:
            with lock:
                out.write(f"{claim.submission_id} {elapsed:.6f}\n")
        return claim

    jobs.claim_next = timed  # GradingWorker.run_next calls jobs.claim_next


class SleepRunner:
    """The simulated grading: the learner's code would sleep; the runner sleeps as long and
    returns a passed verdict. Logs what it graded (graded-PID.log) to catch double grading."""

    def __init__(self, sleep_s: float, log_dir: Path) -> None:
        self.sleep_s = sleep_s
        self.log = (log_dir / f"graded-{os.getpid()}.log").open("a", buffering=1)
        self.lock = threading.Lock()

    def grade(
        self, *, exercise: Any, code: str, on_event: Any, view_seed: int | None = None
    ) -> Any:
        from feynlab.grading.verdicts import Verdict

        submission = code.partition("\n")[0].removeprefix(HEADER)
        with self.lock:
            self.log.write(submission + "\n")
        time.sleep(self.sleep_s)
        return Verdict(status="passed", score=1.0, summary="simulated", duration_s=self.sleep_s)

    def run_code(self, *, code: str, limits: Any, on_event: Any) -> Any:
        raise NotImplementedError("the scale benchmark only grades submissions")


class SandboxRunner:
    """The real sandbox runner, without the zygote warm-up `feynlab worker` does (three
    zygotes per process, Keras's included, would not fit 32 processes): the learner's code
    forks from the NumPy zygote, started at the first grading."""

    def __init__(self, settings: Any, log_dir: Path) -> None:
        from feynlab.grading.queue.runners import sandbox_runner

        self.inner = sandbox_runner(settings)
        self.log = (log_dir / f"graded-{os.getpid()}.log").open("a", buffering=1)
        self.lock = threading.Lock()

    def grade(
        self, *, exercise: Any, code: str, on_event: Any, view_seed: int | None = None
    ) -> Any:
        with self.lock:
            self.log.write(code.partition("\n")[0].removeprefix(HEADER) + "\n")
        return self.inner.grade(
            exercise=exercise, code=code, on_event=on_event, view_seed=view_seed
        )

    def run_code(self, *, code: str, limits: Any, on_event: Any) -> Any:
        return self.inner.run_code(code=code, limits=limits, on_event=on_event)

    def close(self) -> None:
        from feynlab.grading.queue.runners import close_runner

        close_runner(self.inner)


def sleep_runner(settings: Any) -> SleepRunner:
    log_dir = Path(os.environ["SCALE_BENCH_LOGS"])
    _time_claims(log_dir)
    return SleepRunner(float(os.environ["SCALE_BENCH_GRADING_S"]), log_dir)


def real_sandbox_runner(settings: Any) -> SandboxRunner:
    log_dir = Path(os.environ["SCALE_BENCH_LOGS"])
    _time_claims(log_dir)
    return SandboxRunner(settings, log_dir)


# -- the benchmark ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def bench_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and create the benchmark's own database, migrated to head."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    from feynlab import db

    url = bench_url(admin_url, name)
    db.upgrade(url)
    return url


def seed(url: str, *, submissions: int, learners: int, sleep_s: float) -> list[int]:
    """Empty the queue and insert learners, submissions, their queued event and their jobs in
    bulk (the API's create costs a queue-position query each, which 20,000 would make
    quadratic); learner-major order: learner 1's submissions first. Returns the job ids."""
    from sqlalchemy import insert, select, text

    from feynlab import db
    from feynlab.accounts.models import User
    from feynlab.courses.find import find_exercise
    from feynlab.grading.queue.models import GradingJob
    from feynlab.submissions.models import Submission, SubmissionEvent

    spec = find_exercise(COURSES, f"{COURSE}/{EXERCISE}").gradable().spec()
    now = datetime.now(UTC)
    engine = db.engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE users, submissions, grading_jobs, submission_events "
                "RESTART IDENTITY CASCADE"
            )
        )
        conn.execute(
            insert(User),
            [
                {
                    "email": f"learner{i}@scale.bench",
                    "name": f"Learner {i}",
                    "password_hash": "!",  # no password: nobody logs in
                    "role": "learner",
                    "created_at": now,
                }
                for i in range(learners)
            ],
        )
        users = list(conn.execute(select(User.id).order_by(User.id)).scalars())
        per = -(-submissions // learners)
        owners = [users[i // per] for i in range(submissions)]
        rows = [
            {
                "kind": "submission",
                "user_id": owner,
                "course": COURSE,
                "exercise": EXERCISE,
                "code": f"{HEADER}{n + 1}\n" + SOLUTION.format(sleep=sleep_s),
                "state": "queued",
                "round": 1,
                "exercise_spec": spec,
                "created_at": now,
            }
            for n, owner in enumerate(owners)
        ]
        conn.execute(insert(Submission), rows)
        ids = list(conn.execute(select(Submission.id).order_by(Submission.id)).scalars())
        conn.execute(
            insert(SubmissionEvent),
            [
                {
                    "submission_id": sid,
                    "seq": 1,
                    "type": "queued",
                    "data": {"type": "queued", "position": None},
                    "created_at": now,
                }
                for sid in ids
            ],
        )
        conn.execute(
            insert(GradingJob),
            [
                {
                    "submission_id": sid,
                    "user_id": owner,
                    "round": 1,
                    "state": "queued",
                    "priority": 0,
                    "attempts": 0,
                    "created_at": now,
                    "announced_at": now,
                }
                for sid, owner in zip(ids, owners, strict=True)
            ],
        )
        job_ids = list(conn.execute(select(GradingJob.id).order_by(GradingJob.id)).scalars())
        conn.execute(text("ANALYZE"))
    return job_ids


def explain_claim(url: str) -> str:
    """EXPLAIN ANALYZE of the claiming UPDATE at the seeded depth (rolled back)."""
    from sqlalchemy.dialects import postgresql

    from feynlab import db
    from feynlab.grading.queue.jobs import _claim_statement

    stmt = _claim_statement("postgresql")
    params = {"new_token": "explain", "new_worker": "explain", "now": datetime.now(UTC)}
    compiled = stmt.compile(dialect=postgresql.dialect())
    sql = str(compiled)
    params = {**compiled.params, **params}
    engine = db.engine_for(url)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cur.fetchall())
        raw.rollback()
    return plan


def announce(broker: str, queue: str, job_ids: list[int]) -> None:
    """One message per job, as the web app sends them (a message means "a job is waiting")."""
    from feynlab.grading.queue.celery_backend import TASK, make_celery
    from feynlab.settings import Settings

    settings = Settings(
        env="test",
        secret_key="bench-secret-key-0123456789",
        queue="celery",
        broker_url=broker,
        celery_queue=queue,
    )
    app = make_celery(settings)
    with app.producer_or_acquire() as producer:
        for job_id in job_ids:
            app.send_task(TASK, args=[job_id], queue=queue, producer=producer)
    app.close()


def purge(broker: str, queue: str) -> None:
    from kombu import Connection

    with Connection(broker) as conn:
        channel = conn.channel()
        with contextlib.suppress(Exception):  # the queue does not exist yet
            channel.queue_purge(queue)


def spawn_workers(n: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(n):
        out = (logs / f"worker-{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [FEYNLAB, "worker", "--concurrency", "1", "--loglevel", "WARNING"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM: Celery's warm shutdown lets the running job finish and store its verdict."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def connections(admin_url: str, name: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        ).scalar_one()
    engine.dispose()
    return int(count)


def run_phase(n: int, args: argparse.Namespace, url: str, logs: Path) -> dict[str, Any]:
    from sqlalchemy import text

    from feynlab import db

    for f in logs.glob("*.log"):
        f.unlink()
    job_ids = seed(
        url, submissions=args.submissions, learners=args.learners, sleep_s=args.grading_s
    )
    queue = f"scale-bench-{os.getpid()}"
    purge(args.broker, queue)
    # A message per job, sent while the workers start and run (submissions arriving), in a
    # thread; a phase that stops after --seconds gets as many as it can take, not 20,000.
    wanted = len(job_ids)
    if args.seconds:
        wanted = min(wanted, int(n / args.grading_s * (args.seconds + 120) * 1.5) + n)
    timing: dict[str, float] = {}

    def send() -> None:
        start = time.perf_counter()
        announce(args.broker, queue, job_ids[:wanted])
        timing["announce_s"] = time.perf_counter() - start

    sender = threading.Thread(target=send, name="announce")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FEYNLAB_")},
        "FEYNLAB_ENV": "test",
        "FEYNLAB_SECRET_KEY": "bench-secret-key-0123456789",
        "FEYNLAB_DATABASE_URL": url,
        "FEYNLAB_COURSES_DIR": str(COURSES),
        "FEYNLAB_VAR_DIR": str(logs / "var"),
        "FEYNLAB_QUEUE": "celery",
        "FEYNLAB_BROKER_URL": args.broker,
        "FEYNLAB_CELERY_QUEUE": queue,
        "FEYNLAB_RUNNER_FACTORY": (
            "scale:sleep_runner" if args.runner == "sleep" else "scale:real_sandbox_runner"
        ),
        "PYTHONPATH": str(REPO / "bench"),
        "SCALE_BENCH_LOGS": str(logs),
        "SCALE_BENCH_GRADING_S": str(args.grading_s),
        "KERAS_BACKEND": "torch",
    }
    for key in ("FEYNLAB_DATA_DIR", "FEYNLAB_UNSAFE_NO_SANDBOX"):
        if key in os.environ:
            env[key] = os.environ[key]
    engine = db.engine_for(url)
    procs = spawn_workers(n, env, logs)
    sender.start()
    started = time.monotonic()
    peak_connections = 0
    peak_messages = 0  # the Celery queue's length in Redis (a message per job, or more)
    broker = redis.Redis.from_url(args.broker)
    stop_at: float | None = None
    total = len(job_ids)
    try:
        while True:
            time.sleep(1.0)
            with engine.connect() as conn:
                workers_seen, queued = conn.execute(
                    text(
                        "SELECT count(DISTINCT worker) FILTER (WHERE claimed_at IS NOT NULL), "
                        "count(*) FILTER (WHERE state = 'queued') FROM grading_jobs"
                    )
                ).one()
            peak_connections = max(peak_connections, connections(args.admin_url, args.database))
            peak_messages = max(peak_messages, int(broker.llen(queue)))
            if stop_at is None and workers_seen >= n:
                stop_at = time.monotonic() + args.seconds if args.seconds else float("inf")
            if queued == 0:
                break
            if stop_at is not None and time.monotonic() >= stop_at:
                break
            if time.monotonic() - started > 300 and workers_seen == 0:
                raise SystemExit(f"no worker claimed a job in 300 s; see {logs}/worker-*.log")
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker exited; see {logs}/worker-*.log")
        stopped_at = datetime.now(UTC)
    finally:
        sender.join()
        stop_workers(procs)
    announce_s = timing.get("announce_s", float("nan"))
    with engine.connect() as conn:
        jobs = conn.execute(
            text(
                "SELECT j.submission_id, j.user_id, j.state, j.attempts, j.worker, j.claimed_at, "
                "j.finished_at, s.created_at, s.state, "
                "(SELECT count(*) FROM submission_events e WHERE e.submission_id = s.id "
                " AND e.type = 'started'), "
                "(SELECT count(*) FROM submission_events e WHERE e.submission_id = s.id "
                " AND e.type = 'verdict') "
                "FROM grading_jobs j JOIN submissions s ON s.id = j.submission_id"
            )
        ).all()
    graded: dict[str, int] = {}
    for f in logs.glob("graded-*.log"):
        for line in f.read_text().split():
            graded[line] = graded.get(line, 0) + 1
    claims = [
        float(line.split()[1])
        for f in logs.glob("claims-*.log")
        for line in f.read_text().splitlines()
        if line
    ]
    result = analyse(n, args, jobs, graded, claims, total, stopped_at, announce_s, peak_connections)
    result["peak_messages"] = peak_messages
    result["messages_left"] = int(broker.llen(queue))
    return result


def analyse(
    n: int,
    args: argparse.Namespace,
    rows: list[Any],
    graded: dict[str, int],
    claims: list[float],
    total: int,
    stopped_at: datetime,
    announce_s: float,
    peak_connections: int,
) -> dict[str, Any]:
    done = [r for r in rows if r[2] == "done"]
    queued = [r for r in rows if r[2] == "queued"]
    running = [r for r in rows if r[2] == "running"]
    # The steady window: from the moment the last worker made its first claim to the last
    # claim (after which workers only finish what they hold) or the stop.
    first_claim: dict[str, datetime] = {}
    by_worker: dict[str, list[Any]] = {}
    for r in done:
        first_claim[r[4]] = min(first_claim.get(r[4], r[5]), r[5])
        by_worker.setdefault(r[4], []).append(r)
    t0 = max(first_claim.values())
    t1 = min(stopped_at, max(r[5] for r in done)) if queued == [] else stopped_at
    window = (t1 - t0).total_seconds()
    in_window = [r for r in done if t0 <= r[6] <= t1]
    rate = len(in_window) / window if window > 0 else 0.0
    ideal = n / args.grading_s
    gaps = []  # a worker's idle time: verdict stored -> next job claimed
    for items in by_worker.values():
        items.sort(key=lambda r: r[5])
        gaps += [(b[5] - a[6]).total_seconds() for a, b in zip(items, items[1:], strict=False)]
    lost = total - len(done) - len(queued)
    twice = {
        "attempts>1": sum(1 for r in rows if r[3] > 1),
        "started events>1": sum(1 for r in rows if r[9] > 1),
        "verdict events>1": sum(1 for r in rows if r[10] > 1),
        "runner graded twice": sum(1 for c in graded.values() if c > 1),
        "done without verdict": sum(1 for r in done if r[10] != 1 or r[8] != "done"),
        "graded but not done": max(0, len(graded) - len(done)),
    }
    fairness: dict[str, Any] = {}
    if not queued:
        waits: dict[int, list[float]] = {}
        for r in done:
            waits.setdefault(r[1], []).append((r[6] - r[7]).total_seconds())
        means = [statistics.fmean(v) for v in waits.values()]
        lasts = [max(v) for v in waits.values()]
        fairness = {
            "mean wait max/median": max(means) / statistics.median(means),
            "last verdict max/median": max(lasts) / statistics.median(lasts),
            "median mean wait s": statistics.median(means),
        }
    else:
        served: dict[int, int] = {}
        for r in done:
            served[r[1]] = served.get(r[1], 0) + 1
        counts = [served.get(u, 0) for u in {r[1] for r in rows}]
        fairness = {
            "verdicts per learner min/median/max": (
                min(counts),
                statistics.median(counts),
                max(counts),
            )
        }
    return {
        "workers": n,
        "done": len(done),
        "queued": len(queued),
        "running": len(running),
        "lost": lost,
        "twice": twice,
        "window_s": window,
        "rate": rate,
        "ideal": ideal,
        "claim_p50_ms": percentile(claims, 50) * 1000 if claims else float("nan"),
        "claim_p99_ms": percentile(claims, 99) * 1000 if claims else float("nan"),
        "gap_p50_ms": percentile(gaps, 50) * 1000 if gaps else float("nan"),
        "gap_p99_ms": percentile(gaps, 99) * 1000 if gaps else float("nan"),
        "fairness": fairness,
        "announce_s": announce_s,
        "connections": peak_connections,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4,8,16,32")
    parser.add_argument("--submissions", type=int, default=20000)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--grading-s", type=float, default=1.0, help="the learner code's sleep")
    parser.add_argument(
        "--seconds",
        type=float,
        default=40,
        help="a phase ends this long after every worker has claimed a job, or when the queue "
        "is empty (0: always drain the queue)",
    )
    parser.add_argument(
        "--drain-last",
        action="store_true",
        help="drain the queue in the last phase (fairness over all submissions)",
    )
    parser.add_argument("--runner", choices=("sleep", "sandbox"), default="sleep")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "FEYNLAB_BENCH_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL allowed to create databases",
    )
    parser.add_argument("--database", default="scale_bench", help="created (dropped first)")
    parser.add_argument(
        "--broker", default=os.environ.get("FEYNLAB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the claim's plan at the seeded depth"
    )
    args = parser.parse_args()
    counts = [int(v) for v in args.workers.split(",")]
    url = fresh_database(args.admin_url, args.database)
    print(
        f"scale: {args.submissions} submissions from {args.learners} learners, learner code "
        f"sleeps {args.grading_s} s, runner {args.runner}, Celery on {args.broker.split('@')[-1]}, "
        f"PostgreSQL database {args.database}; {os.cpu_count()} cores, "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )
    if args.explain:
        seed(url, submissions=args.submissions, learners=args.learners, sleep_s=args.grading_s)
        print(explain_claim(url), flush=True)
    logs = Path(tempfile.mkdtemp(prefix="feynlab-scale-"))
    results = []
    try:
        for i, n in enumerate(counts):
            if args.drain_last and i == len(counts) - 1:
                args.seconds = 0
            r = run_phase(n, args, url, logs)
            results.append(r)
            print(json.dumps(r, default=str), flush=True)
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    print(
        "\n| workers | verdicts/s | ideal | of ideal | claim SQL p50/p99 ms | idle gap p50/p99 ms "
        "| fairness | lost | twice | DB conns | broker msgs peak | load |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        fair = r["fairness"]
        if "mean wait max/median" in fair:
            fair_text = (
                f"mean wait max/median {fair['mean wait max/median']:.2f}, last verdict "
                f"{fair['last verdict max/median']:.2f} (drained)"
            )
        else:
            lo, med, hi = fair["verdicts per learner min/median/max"]
            fair_text = (
                f"verdicts/learner {lo}/{med:g}/{hi} ({r['done']} of {r['done'] + r['queued']})"
            )
        twice = sum(r["twice"].values())
        print(
            f"| {r['workers']} | {r['rate']:.2f} | {r['ideal']:.1f} | {r['rate'] / r['ideal']:.0%} "
            f"| {r['claim_p50_ms']:.1f} / {r['claim_p99_ms']:.1f} "
            f"| {r['gap_p50_ms']:.0f} / {r['gap_p99_ms']:.0f} | {fair_text} | {r['lost']} "
            f"| {twice} | {r['connections']} | {r['peak_messages']} | {r['load']:.1f} |"
        )
    bad = [r for r in results if r["lost"] or any(r["twice"].values()) or r["running"]]
    if bad:
        raise SystemExit(f"checks failed: {[(r['workers'], r['lost'], r['twice']) for r in bad]}")


if __name__ == "__main__":
    main()
