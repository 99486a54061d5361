"""Real processes for the fault tests: `feynlab serve`, `feynlab worker`, a private redis-server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from feynlab.grading.queue.models import GradingJob
from feynlab.settings import Settings
from feynlab.submissions.models import Submission, SubmissionEvent
from tests.conftest import PASSWORD

FEYNLAB = str(Path(sys.executable).parent / "feynlab")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a real process needs to share the test's database and courses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEYNLAB_")}
    env.update(
        FEYNLAB_ENV="test",
        FEYNLAB_SECRET_KEY=settings.secret_key,
        FEYNLAB_DATABASE_URL=settings.database_url,
        FEYNLAB_COURSES_DIR=str(settings.courses_dir),
        FEYNLAB_DATA_DIR=str(settings.data_dir),
        FEYNLAB_VAR_DIR=str(settings.var_dir),
        FEYNLAB_FRONTEND_DIR=str(settings.frontend_dir),
        FEYNLAB_CREATE_DEMO_USERS="false",
        FEYNLAB_WORKERS="1",
        FEYNLAB_SUBMISSIONS_PER_MINUTE="10000",
        FEYNLAB_MAX_RUNNING_PER_LEARNER="10000",
        FEYNLAB_JOB_LEASE_S="3",
        FEYNLAB_IDLE_POLL_S="0.2",
        KERAS_BACKEND="torch",
    )
    for key in ("FEYNLAB_RUNNER_FACTORY", "PYTHONPATH"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra)
    return env


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str, step_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            argv, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def kill9(self) -> None:
        """SIGKILL the whole group: the process and its sandbox children die at once."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._out.close()

    def stop(self, timeout_s: float = 60) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def serve(settings: Settings, log: Path, **env: str) -> tuple[Process, str]:
    port = free_port()
    proc = Process(
        [FEYNLAB, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env_for(settings, **env),
        log,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if proc.popen.poll() is not None:
            raise AssertionError(f"feynlab serve exited:\n{proc.output()[-3000:]}")
        try:
            return httpx.get(f"{base}/api/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(healthy, 180, "feynlab serve to answer", step_s=0.3)
    return proc, base


def worker(settings: Settings, log: Path, broker: str, queue: str, **env: str) -> Process:
    proc = Process(
        [FEYNLAB, "worker", "--loglevel", "INFO"],
        env_for(
            settings,
            FEYNLAB_QUEUE="celery",
            FEYNLAB_BROKER_URL=broker,
            FEYNLAB_CELERY_QUEUE=queue,
            **env,
        ),
        log,
    )

    def ready() -> bool:
        if proc.popen.poll() is not None:
            raise AssertionError(f"feynlab worker exited:\n{proc.output()[-3000:]}")
        return " ready." in proc.output()

    wait_for(ready, 180, "feynlab worker to be ready", step_s=0.3)
    return proc


def redis_server(directory: Path) -> tuple[Process, int]:
    """A private redis-server (no persistence), so that restarting it disturbs nobody else."""
    return redis_server_on(directory, free_port())


def redis_server_on(directory: Path, port: int) -> tuple[Process, int]:
    binary = shutil.which("redis-server")
    assert binary
    proc = Process(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        dict(os.environ),
        directory / f"redis-{port}-{time.monotonic_ns()}.log",
    )
    wait_for(lambda: "ready to accept" in proc.output().lower(), 30, "redis-server")
    return proc, port


def bearer(base: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def post_code(base: str, headers: dict[str, str], code: str) -> int:
    response = httpx.post(
        f"{base}/api/courses/example/exercises/add/submissions",
        json={"code": code},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 202, response.text
    sub_id: int = response.json()["id"]
    return sub_id


def states(factory: sessionmaker[Session], ids: list[int]) -> dict[int, str]:
    with factory() as db:
        rows = db.execute(select(Submission.id, Submission.state).where(Submission.id.in_(ids)))
        return {row[0]: row[1] for row in rows}


def all_done(factory: sessionmaker[Session], ids: list[int]) -> bool:
    return all(state == "done" for state in states(factory, ids).values())


def verdict_counts(factory: sessionmaker[Session], ids: list[int]) -> dict[int, int]:
    with factory() as db:
        rows = db.execute(
            select(SubmissionEvent.submission_id, func.count())
            .where(SubmissionEvent.submission_id.in_(ids), SubmissionEvent.type == "verdict")
            .group_by(SubmissionEvent.submission_id)
        )
        counts = {row[0]: int(row[1]) for row in rows}
    return {i: counts.get(i, 0) for i in ids}


def job_of(factory: sessionmaker[Session], submission_id: int) -> GradingJob:
    with factory() as db:
        job = db.scalar(select(GradingJob).where(GradingJob.submission_id == submission_id))
        assert job is not None
        return job
