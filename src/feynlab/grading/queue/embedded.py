"""The embedded queue: a pool of worker threads inside ``feynlab serve``; jobs are DB rows.

No extra service. Threads wait for a wake-up from ``enqueue`` (or poll now and then for jobs
queued by another process), claim jobs atomically and fairly, and run them through the runner.
Jobs left queued or running by a process that died are taken up again at start.
"""

from __future__ import annotations

import logging
import threading

from feynlab.grading.queue.worker import GradingWorker, Maintenance

log = logging.getLogger("feynlab.queue")


class EmbeddedQueue:
    def __init__(self, *, worker: GradingWorker, threads: int) -> None:
        self.worker = worker
        self.threads = max(1, threads)
        self._cond = threading.Condition()
        self._pending = 0
        self._stopping = False
        self._pool: list[threading.Thread] = []
        self._maintenance = Maintenance(
            worker=worker, announce_lost=False, on_requeue=self._requeued
        )

    def enqueue(self, job_id: int) -> None:
        self._wake(1)

    def _requeued(self, job_ids: list[int]) -> None:
        self._wake(len(job_ids))

    def _wake(self, count: int) -> None:
        with self._cond:
            self._pending += count
            self._cond.notify(count)

    def start(self) -> None:
        self._stopping = False
        self._maintenance.start()  # takes up jobs of a process that died, before any claim
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"grading-{n}", daemon=True)
            thread.start()
            self._pool.append(thread)
        self._wake(self.threads)  # look at once for jobs left from before

    def _loop(self) -> None:
        idle = self.worker.settings.idle_poll_s
        while True:
            with self._cond:
                if self._pending == 0 and not self._stopping:
                    self._cond.wait(idle)
                if self._stopping:
                    return
                self._pending = max(0, self._pending - 1)
            try:
                while not self._stopping and self.worker.run_next():
                    pass
            except Exception:  # the database may be briefly away: back off, then look again
                log.exception("grading worker failed; retrying")
                with self._cond:
                    self._cond.wait(idle)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop claiming, let running jobs finish (up to the timeout), stop the maintenance."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._pool:
            thread.join(timeout=timeout_s)
        self._pool.clear()
        self._maintenance.stop()
