"""Builds the queue that settings ask for, and hooks it into the web app's start and stop."""

from __future__ import annotations

import logging
import threading

from anyio import to_thread
from fastapi import FastAPI

from feynlab.grading.queue import GradingQueue
from feynlab.grading.queue.runners import build_runner, close_runner

log = logging.getLogger("feynlab.queue")


def warm_in_background(runner: object) -> None:
    """Start the zygotes now, not on the first learner's run: the small NumPy one first (well
    under a second, enough for a NumPy exercise), then scikit-learn's and Keras's (seconds)."""
    warm = getattr(getattr(runner, "sandbox", None), "warm", None)
    if not callable(warm):
        return

    def start() -> None:
        try:
            warm("numpy")
            warm("sklearn", "keras")
        except Exception:  # the first run reports the fault as infra-error, with its reason
            log.warning("could not start the sandbox in advance", exc_info=True)

    threading.Thread(target=start, name="zygote-warm", daemon=True).start()


def build_queue(app: FastAPI) -> GradingQueue:
    """The embedded worker pool (with a runner) or the Celery producer, from the app's settings."""
    settings = app.state.settings
    if settings.queue == "celery":
        from feynlab.grading.queue.celery_backend import CeleryQueue

        return CeleryQueue(settings=settings)
    from feynlab.grading.queue.embedded import EmbeddedQueue
    from feynlab.grading.queue.worker import GradingWorker

    runner = getattr(app.state, "runner", None)
    if runner is None:
        runner = build_runner(settings, settings.runner_factory)
        app.state.runner = runner
        app.state.owns_runner = True
        if getattr(app.state, "warm_sandbox", False):  # `feynlab serve`; tests start it lazily
            warm_in_background(runner)
    worker = GradingWorker(
        settings=settings,
        factory=app.state.sessionmaker,
        runner=runner,
        sink=app.state.outcome_sink,
    )
    return EmbeddedQueue(worker=worker, threads=settings.workers)


async def start_queue(app: FastAPI) -> None:
    # Counted: a lifespan nested in another (a second test client) shares the running queue.
    app.state.queue_users += 1
    if app.state.queue is not None:
        return
    queue = await to_thread.run_sync(build_queue, app)
    await to_thread.run_sync(queue.start)
    app.state.queue = queue
    log.info("grading queue %s started", type(queue).__name__)


async def stop_queue(app: FastAPI) -> None:
    app.state.queue_users -= 1
    queue: GradingQueue | None = app.state.queue
    if queue is None or app.state.queue_users > 0:
        return
    app.state.queue = None
    await to_thread.run_sync(queue.stop)
    if getattr(app.state, "owns_runner", False):
        await to_thread.run_sync(close_runner, app.state.runner)
        app.state.runner = None
        app.state.owns_runner = False


def install(app: FastAPI) -> None:
    """Give the app its queue's start/stop hooks (called by create_app)."""
    app.state.queue = None
    app.state.queue_users = 0
    app.state.on_start.append(start_queue)
    app.state.on_stop.append(stop_queue)
