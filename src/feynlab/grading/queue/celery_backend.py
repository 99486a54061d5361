"""The Celery queue: ``feynlab worker`` processes on any machines, fed through Redis or RabbitMQ.

A message is a token meaning "a job is waiting"; the worker that takes it claims the fairest
queued job from the database (the same rule as the embedded queue), so fairness and the
store-once guarantee live in one place. Messages are acknowledged late (after the outcome is
stored), one prefetched per slot; a lost message costs nothing since the job is a row: workers
re-announce jobs that waited too long and take up the jobs of workers that died.

Both brokers must leave a taken message alone for longer than the longest job: Redis through
its visibility timeout, RabbitMQ through its delivery acknowledgement timeout (see
``docs/operations.md``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from celery import Celery
from kombu import Connection, Exchange, Queue

from feynlab.grading.queue.worker import GradingWorker, Maintenance
from feynlab.settings import Settings

log = logging.getLogger("feynlab.queue")

TASK = "feynlab.grade_next"
_state: dict[str, Any] = {}  # the GradingWorker of this worker process


def make_celery(settings: Settings) -> Celery:
    app = Celery("feynlab", broker=settings.broker_url)
    app.conf.update(
        task_default_queue=settings.celery_queue,
        task_acks_late=True,  # acknowledged only once the outcome is stored
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,  # one job prefetched per slot
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
    )
    if is_amqp(settings.broker_url):
        app.conf.update(_amqp_conf(settings))
    else:
        app.conf.broker_transport_options = {
            # Longer than the longest job: a slow job is never handed to a second worker.
            "visibility_timeout": settings.visibility_timeout_s,
        }

    @app.task(name=TASK, ignore_result=True)
    def grade_next(job_id: int) -> bool:
        worker: GradingWorker | None = _state.get("worker")
        if worker is None:
            raise RuntimeError("this Celery process has no grading worker: run `feynlab worker`")
        return worker.run_next()

    return app


def is_amqp(broker_url: str) -> bool:
    """True for RabbitMQ (``amqp://``, ``amqps://``, ``pyamqp://``); builds no connection."""
    connection = Connection(broker_url)
    try:
        return bool(connection.transport.driver_type == "amqp")
    finally:
        connection.release()


def _amqp_conf(settings: Settings) -> dict[str, Any]:
    name = settings.celery_queue
    grading = Queue(
        name,
        Exchange(name, type="direct"),  # what Celery declares for a queue it is only named
        routing_key=name,
        # RabbitMQ 3.11.15+ takes this per-consumer acknowledgement deadline over its
        # consumer_timeout (30 min by default), which would otherwise close the worker's
        # channel under a long job; older servers ignore it (docs/operations.md).
        consumer_arguments={"x-consumer-timeout": settings.visibility_timeout_s * 1000},
    )
    return {
        "task_queues": [grading],
        # A closed channel (an acknowledgement timeout) reconnects instead of stopping the worker.
        "broker_channel_error_retry": True,
    }


class CeleryQueue:
    """The web side: tells the broker that a job waits. Never fails a request over the broker."""

    def __init__(self, *, settings: Settings) -> None:
        self.app = make_celery(settings)

    def enqueue(self, job_id: int) -> None:
        announce(self.app, [job_id])

    def start(self) -> None:
        pass

    def stop(self, timeout_s: float = 30.0) -> None:
        self.app.close()


def announce(app: Celery, job_ids: list[int]) -> None:
    for job_id in job_ids:
        try:
            app.send_task(
                TASK,
                args=[job_id],
                queue=app.conf.task_default_queue,
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            )
        except Exception as exc:  # broker away: the job row waits, workers re-announce it
            log.warning("could not announce job %s to the broker: %s", job_id, exc)


def messages_waiting(app: Celery) -> int:
    """Messages in the grading queue that no worker has taken yet; 0 when the broker has no
    such queue (Redis drops an empty one) or cannot be asked (then jobs are announced again)."""
    try:
        with app.connection_for_read() as connection:
            declared = connection.default_channel.queue_declare(
                queue=app.conf.task_default_queue, passive=True
            )
            return int(declared.message_count)
    except Exception:
        return 0


def _events_exchange(settings: Settings) -> Exchange:
    return Exchange(
        f"{settings.celery_queue}-events",
        type="fanout",
        durable=False,
        auto_delete=True,
        delivery_mode="transient",
    )


class EventBell:
    """Rings every web process when a worker has stored events of a submission (a fanout
    exchange on the broker): the streams open there read them at once, not at their next
    poll (``event_poll_s``: 0.1 s, half of it on average). Best effort: a ring that is lost
    (the broker away, a web process starting) costs only that wait."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.broker_url
        self.exchange = _events_exchange(settings)
        self._lock = threading.Lock()  # workers' threads ring from several threads
        self._connection: Connection | None = None
        self._producer: Any = None

    def ring(self, submission_id: int) -> None:
        with self._lock:
            try:
                if self._producer is None:
                    self._connection = Connection(self.url, connect_timeout=1)
                    self._producer = self._connection.Producer(serializer="json")
                self._producer.publish(
                    {"submission": submission_id},
                    exchange=self.exchange,
                    declare=[self.exchange],
                    retry=False,
                )
            except Exception as exc:  # never fail a grading over a ring
                log.debug("could not ring for submission %s: %s", submission_id, exc)
                self._close()

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.release()
        self._connection = self._producer = None

    def close(self) -> None:
        with self._lock:
            self._close()


class EventListener:
    """The web process's end of the ``EventBell``: a thread that calls ``on_ring`` with the
    submission of each ring, reconnecting when the broker goes away."""

    def __init__(self, settings: Settings, on_ring: Callable[[int], None]) -> None:
        self.url = settings.broker_url
        self.exchange = _events_exchange(settings)
        self.on_ring = on_ring
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        queue = Queue(
            f"{self.exchange.name}-{uuid.uuid4().hex[:12]}",  # this process's own
            exchange=self.exchange,
            durable=False,
            exclusive=True,
            auto_delete=True,
        )
        while not self._stop.is_set():
            try:
                with (
                    Connection(self.url, connect_timeout=2) as connection,
                    connection.Consumer(
                        [queue], callbacks=[self._received], accept=["json"], no_ack=True
                    ),
                ):
                    while not self._stop.is_set():
                        with contextlib.suppress(socket.timeout, TimeoutError):
                            connection.drain_events(timeout=1)
            except Exception as exc:  # the broker is away: the streams poll meanwhile
                log.info("event listener: %s; connecting again", exc)
                self._stop.wait(2)

    def _received(self, body: Any, _message: Any) -> None:
        submission = body.get("submission") if isinstance(body, dict) else None
        if isinstance(submission, int) and not isinstance(submission, bool):
            self.on_ring(submission)


def run_worker(*, settings: Settings, worker: GradingWorker, loglevel: str) -> None:
    """Serve jobs until stopped: a thread pool of ``settings.workers`` slots around one runner."""
    app = make_celery(settings)
    _state["worker"] = worker
    worker.on_requeue = lambda ids: announce(app, ids)
    maintenance = Maintenance(
        worker=worker,
        announce_lost=True,
        on_requeue=worker.on_requeue,
        alive_file=settings.var_dir / "worker.alive",
        messages_waiting=lambda: messages_waiting(app),
    )
    maintenance.start()
    try:
        app.worker_main(
            argv=[
                "worker",
                "--pool=threads",
                f"--concurrency={max(1, settings.workers)}",
                f"--loglevel={loglevel}",
                f"--queues={settings.celery_queue}",
                f"--hostname=feynlab-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        maintenance.stop()
