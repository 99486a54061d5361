"""The seam between the queue and what it grades: the queue claims a job, asks the sink what to
run, runs it, and hands the outcome back. The queue never imports the submissions feature; the
submissions feature implements this protocol (feynlab.submissions.sink)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.queue.jobs import Claim
from feynlab.grading.verdicts import Outcome


@dataclass(frozen=True)
class Started:
    """What a worker needs to run a job it started."""

    code: str
    is_run: bool
    """A lesson's code cell (run, not graded), else a submission to grade."""
    exercise: GradableExercise | None
    """The exercise as the submission recorded it; None for a run, or when it is gone."""
    label: str
    """COURSE/EXERCISE (or COURSE/LESSON for a run), for messages."""
    view_seed: int | None = None
    """The test view of an earlier round, reproduced by a regrade."""


class EventSink(Protocol):
    def __call__(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class OutcomeSink(Protocol):
    """Where a job's work comes from and where its outcome goes (one implementation per app)."""

    def start(self, *, db: Session, claim: Claim) -> Started | None:
        """Mark the job's work started, within the caller's transaction; None when there is
        nothing to run (superseded by a regrade, or already graded)."""

    def store(self, *, db: Session, claim: Claim, outcome: Outcome) -> bool:
        """Store the outcome once per round (committing); True only for the call that did."""

    def requeued(self, *, db: Session, claim: Claim) -> None:
        """The job went back to the queue (a platform fault): show it queued again."""

    def events(self, *, submission_id: int) -> EventSink:
        """Where the run's live events go."""


SinkFactory = Callable[[], OutcomeSink]
