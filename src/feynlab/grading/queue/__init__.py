"""The grading queue: one small interface, two backends (embedded threads, Celery)."""

from __future__ import annotations

from typing import Protocol


class GradingQueue(Protocol):
    """Where accepted submissions go. The job row is committed before ``enqueue`` is called,
    so a queue that loses the call loses nothing: the job is found again in the database."""

    def enqueue(self, job_id: int) -> None: ...

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 30.0) -> None: ...


__all__ = ["GradingQueue"]
