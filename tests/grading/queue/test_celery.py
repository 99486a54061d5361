"""The Celery queue with real brokers and real `feynlab worker` processes: grading through the
API and kill -9 of a worker mid-job on Redis and on RabbitMQ, a job that keeps killing workers
and a Redis restart on Redis; and the broker-specific configuration."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import amqp
import kombu
import kombu.exceptions
import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feynlab import db as database
from feynlab.grading.queue.celery_backend import make_celery
from feynlab.settings import Settings
from feynlab.submissions.models import Submission
from tests.grading.queue import procs
from tests.submissions.helpers import SOLUTION, read_events, submit, wait_done

REDIS_URL = os.environ.get("FEYNLAB_TEST_REDIS_URL")
AMQP_URL = os.environ.get("FEYNLAB_TEST_AMQP_URL")
SLOW_SOLUTION = "import time\ntime.sleep(2)\n" + SOLUTION
# The tests that must hold on either broker take `broker` through this.
EITHER_BROKER = pytest.mark.parametrize(
    "broker", [pytest.param("redis", marks=pytest.mark.redis), "amqp"], indirect=True
)


def _redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("Redis tests need FEYNLAB_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def _amqp_url() -> str:
    if not AMQP_URL:
        pytest.skip(
            "RabbitMQ tests need FEYNLAB_TEST_AMQP_URL (e.g. amqp://guest:guest@127.0.0.1:5672//)"
        )
    try:
        with kombu.Connection(AMQP_URL, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
    except (kombu.exceptions.KombuError, amqp.AMQPError, OSError) as exc:
        pytest.skip(f"RabbitMQ not reachable at {AMQP_URL}: {exc}")
    return AMQP_URL


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> str:
    """Redis unless the test is parametrized with EITHER_BROKER."""
    kind = getattr(request, "param", "redis")
    return _amqp_url() if kind == "amqp" else _redis_url()


@pytest.fixture
def celery_queue(broker: str) -> Iterator[str]:
    """A queue of the test's own, deleted afterwards with its exchange (Celery names both)."""
    name = f"feynlab-test-{os.getpid()}-{os.urandom(3).hex()}"
    yield name
    queue = kombu.Queue(name, kombu.Exchange(name, type="direct"), routing_key=name)
    with kombu.Connection(broker, connect_timeout=2) as connection:
        bound = queue(connection.default_channel)
        bound.declare()  # Redis's transport deletes only the bindings its channel declared
        bound.delete()
        bound.exchange.delete()


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    return database.session_factory(database.engine_for(settings.database_url))


def _celery_app(settings: Settings, broker: str, queue: str) -> FastAPI:
    from feynlab.app import create_app

    settings.queue = "celery"
    settings.broker_url = broker
    settings.max_running_per_learner = settings.submissions_per_minute = 100
    settings.celery_queue, settings.job_lease_s, settings.event_poll_s = queue, 3.0, 0.05
    return create_app(settings)


@pytest.fixture
def celery_client(settings: Settings, broker: str, celery_queue: str) -> Iterator[TestClient]:
    with TestClient(_celery_app(settings, broker, celery_queue)) as client:
        yield client


@pytest.mark.sandbox
@EITHER_BROKER
def test_graded_through_a_celery_worker_with_live_events(
    celery_client: TestClient,
    settings: Settings,
    broker: str,
    celery_queue: str,
    make_user,
    login,
    tmp_path: Path,
) -> None:
    worker = procs.worker(settings, tmp_path / "worker.log", broker, celery_queue)
    try:
        headers = login(make_user())
        accepted = submit(celery_client, headers, "print('graded remotely')\n" + SOLUTION)
        events = [e for _, e in read_events(celery_client, accepted["events_url"], headers)]
        done = wait_done(celery_client, f"/api/submissions/{accepted['id']}", headers)
    finally:
        worker.stop()
    assert done["status"] == "passed"
    types = [e["type"] for e in events]
    assert types[0] == "queued" and "started" in types and types[-1] == "verdict"
    assert any(e["type"] == "stdout" and "graded remotely" in e["text"] for e in events)


@pytest.mark.sandbox
@EITHER_BROKER
def test_a_stream_hears_a_workers_events_without_waiting_for_its_poll(
    settings: Settings,
    broker: str,
    celery_queue: str,
    make_user,
    login,
    tmp_path: Path,
) -> None:
    app = _celery_app(settings, broker, celery_queue)
    settings.event_poll_s = 30.0  # the stream reads other processes' events twice a minute
    worker = procs.worker(settings, tmp_path / "worker.log", broker, celery_queue)
    try:
        with TestClient(app) as client:
            headers = login(make_user())
            time.sleep(1.0)  # the web process's listener is bound to the broker's exchange
            started = time.monotonic()
            accepted = submit(client, headers, SOLUTION)
            events = read_events(client, accepted["events_url"], headers, stop_after="verdict")
            waited = time.monotonic() - started
    finally:
        worker.stop()
    assert events[-1][1]["type"] == "verdict" and events[-1][1]["status"] == "passed", events
    # the worker rang when it stored them (EventBell): not the 30 s poll
    assert waited < 15, f"the verdict reached the stream after {waited:.1f} s"


@pytest.mark.slow
@pytest.mark.sandbox
@EITHER_BROKER
def test_kill_9_a_worker_mid_job_and_it_is_graded_once(
    celery_client: TestClient,
    settings: Settings,
    broker: str,
    celery_queue: str,
    factory,
    make_user,
    login,
    tmp_path: Path,
) -> None:
    headers = login(make_user())
    first = procs.worker(settings, tmp_path / "w1.log", broker, celery_queue)
    try:
        sub_id = submit(celery_client, headers, SLOW_SOLUTION)["id"]
        procs.wait_for(lambda: procs.states(factory, [sub_id])[sub_id] == "running", 60, "start")
    finally:
        first.kill9()
    second = procs.worker(settings, tmp_path / "w2.log", broker, celery_queue)
    try:
        procs.wait_for(lambda: procs.all_done(factory, [sub_id]), 90, "the verdict")
    finally:
        second.stop()
    assert procs.job_of(factory, sub_id).attempts == 2
    assert procs.verdict_counts(factory, [sub_id]) == {sub_id: 1}
    with factory() as db:
        assert db.get(Submission, sub_id).status == "passed"  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.redis
def test_a_job_that_keeps_killing_workers_ends_as_infra_error(
    celery_client: TestClient,
    settings: Settings,
    broker: str,
    celery_queue: str,
    factory,
    make_user,
    login,
    tmp_path: Path,
) -> None:
    headers = login(make_user())
    sub_id = submit(celery_client, headers, SLOW_SOLUTION)["id"]
    for attempt in (1, 2, 3):  # FEYNLAB_JOB_MAX_ATTEMPTS defaults to 3
        killed = procs.worker(settings, tmp_path / f"w{attempt}.log", broker, celery_queue)
        try:
            procs.wait_for(
                lambda n=attempt: (  # type: ignore[misc]
                    procs.job_of(factory, sub_id).attempts == n
                    and procs.states(factory, [sub_id])[sub_id] == "running"
                ),
                60,
                f"attempt {attempt}",
            )
        finally:
            killed.kill9()
    last = procs.worker(settings, tmp_path / "w4.log", broker, celery_queue)
    try:
        procs.wait_for(lambda: procs.all_done(factory, [sub_id]), 60, "the infra-error")
    finally:
        last.stop()
    body = wait_done(celery_client, f"/api/submissions/{sub_id}", headers)
    assert body["status"] == "infra-error"
    assert "stopped 3 times" in body["verdict"]["feedback"]
    assert procs.verdict_counts(factory, [sub_id]) == {sub_id: 1}


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.redis
def test_a_redis_restart_loses_nothing(
    settings: Settings,
    broker: str,
    celery_queue: str,
    factory,
    make_user,
    login,
    tmp_path: Path,
) -> None:
    server, port = procs.redis_server(tmp_path)
    private = f"redis://127.0.0.1:{port}/0"
    app = _celery_app(settings, private, celery_queue)
    worker = procs.worker(settings, tmp_path / "worker.log", private, celery_queue)
    try:
        with TestClient(app) as client:
            headers = login(make_user())
            before = [submit(client, headers, SOLUTION)["id"] for _ in range(3)]
            procs.wait_for(lambda: procs.all_done(factory, before), 90, "verdicts before")
            server.kill9()  # Redis dies with whatever it held
            during = [submit(client, headers, SOLUTION)["id"] for _ in range(3)]
            server, _ = procs.redis_server_on(tmp_path, port)
            after = [submit(client, headers, SOLUTION)["id"] for _ in range(3)]
            ids = before + during + after
            procs.wait_for(lambda: procs.all_done(factory, ids), 120, "every verdict")
    finally:
        worker.stop()
        server.kill9()
    assert procs.verdict_counts(factory, ids) == {i: 1 for i in ids}


@pytest.mark.redis
def test_a_backlog_is_announced_again_only_when_its_messages_are_gone(
    celery_client: TestClient,
    settings: Settings,
    broker: str,
    celery_queue: str,
    factory,
    runner,
    make_user,
    login,
) -> None:
    """Jobs waiting longer than the lease behind a deep queue are not lost: their messages
    still wait in the broker, and announcing them again would double the messages every lease.
    Once the broker holds none (lost with a restart), the waiting jobs are announced again."""
    from feynlab.grading.queue.celery_backend import messages_waiting
    from feynlab.grading.queue.models import GradingJob
    from feynlab.grading.queue.worker import GradingWorker, Maintenance
    from feynlab.submissions.sink import SubmissionSink

    headers = login(make_user())
    ids = [submit(celery_client, headers, SOLUTION)["id"] for _ in range(4)]  # no worker runs
    app = make_celery(settings)
    assert messages_waiting(app) == 4
    worker = GradingWorker(
        settings=settings,
        factory=factory,
        runner=runner,
        sink=SubmissionSink(factory=factory, courses_dir=settings.courses_dir),
    )
    announced: list[int] = []
    maintenance = Maintenance(
        worker=worker,
        announce_lost=True,
        on_requeue=announced.extend,
        messages_waiting=lambda: messages_waiting(app),
    )
    time.sleep(settings.job_lease_s + 0.5)  # every job now waited longer than the lease
    maintenance.tick()
    assert announced == [] and messages_waiting(app) == 4
    with kombu.Connection(broker, connect_timeout=2) as connection:
        connection.default_channel.queue_purge(celery_queue)  # the messages are lost
    maintenance.tick()
    with factory() as db:
        jobs = db.scalars(select(GradingJob.id).where(GradingJob.submission_id.in_(ids))).all()
    assert sorted(announced) == sorted(jobs) and len(jobs) == 4


def test_redis_gets_a_visibility_timeout_longer_than_the_longest_job(settings: Settings) -> None:
    settings.broker_url = "redis://127.0.0.1:6379/0"
    settings.visibility_timeout_s = 5400
    conf = make_celery(settings).conf
    assert conf.broker_transport_options == {"visibility_timeout": 5400}
    assert conf.task_acks_late and conf.worker_prefetch_multiplier == 1
    assert not conf.task_queues and not conf.broker_channel_error_retry


@pytest.mark.parametrize("scheme", ["amqp", "amqps", "pyamqp"])
def test_rabbitmq_gets_an_acknowledgement_timeout_longer_than_the_longest_job(
    settings: Settings, scheme: str
) -> None:
    settings.broker_url = f"{scheme}://user:pass@rabbit:5672//"
    settings.visibility_timeout_s, settings.celery_queue = 5400, "grading"
    conf = make_celery(settings).conf
    assert "visibility_timeout" not in conf.broker_transport_options  # a Redis/SQS option
    assert conf.task_acks_late and conf.worker_prefetch_multiplier == 1
    assert conf.broker_channel_error_retry  # a channel closed by the broker does not end the worker
    (queue,) = conf.task_queues
    # Declared as Celery declares a queue it is only named: an existing queue stays valid.
    assert (queue.name, queue.exchange.name, queue.exchange.type, queue.routing_key) == (
        "grading",
        "grading",
        "direct",
        "grading",
    )
    assert queue.durable and not queue.auto_delete and not queue.queue_arguments
    assert queue.consumer_arguments == {"x-consumer-timeout": 5_400_000}
