"""The grading worker: claim a job, run it through the runner, store its outcome once.

Shared by both queue backends. A learner's timeout, crash or memory blow-up comes back from the
runner as a verdict and is stored; an ``infra-error`` (ours) puts the job back in the queue until
``job_max_attempts`` starts, after which it is stored as infra-error with a message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from feynlab.grading.queue import jobs
from feynlab.grading.queue.config import QueueSettings
from feynlab.grading.queue.jobs import Claim
from feynlab.grading.queue.runners import Runner, as_dict
from feynlab.settings import Settings
from feynlab.submissions import service
from feynlab.submissions.events import EventWriter
from feynlab.submissions.models import Kind

log = logging.getLogger("feynlab.queue")

ExerciseLookup = Callable[[str, str], Any | None]


def infra_error(message: str, *, kind: str = Kind.submission.value) -> dict[str, Any]:
    """An outcome that is our fault: never counted against the learner."""
    if kind == Kind.run.value:
        return {
            "status": "infra-error",
            "output": "",
            "error": message,
            "duration_s": 0.0,
            "resources": {},
        }
    return {
        "status": "infra-error",
        "score": None,
        "metrics": {},
        "feedback": message,
        "output": "",
        "duration_s": 0.0,
        "resources": {},
        "seed": None,
        "artifacts": {},
    }


class GradingWorker:
    """Runs claimed jobs; ``held`` are the claim tokens it is working on (for heartbeats)."""

    def __init__(
        self,
        *,
        settings: Settings,
        queue_settings: QueueSettings,
        factory: sessionmaker[Session],
        runner: Runner,
        exercises: ExerciseLookup,
        identity: str | None = None,
        on_requeue: Callable[[list[int]], None] = lambda ids: None,
    ) -> None:
        self.settings = settings
        self.queue_settings = queue_settings
        self.factory = factory
        self.runner = runner
        self.exercises = exercises
        self.identity = identity or jobs.worker_identity()
        self.on_requeue = on_requeue
        self._held: set[str] = set()
        self._lock = threading.Lock()

    @property
    def held(self) -> list[str]:
        with self._lock:
            return list(self._held)

    def run_next(self) -> bool:
        """Claim and process the fairest queued job; False when the queue was empty."""
        with self.factory() as db:
            # The claim and the start are one transaction: one commit less per job, and a
            # failure between them leaves the job queued, not held by nobody.
            claim = jobs.claim_next(db=db, worker=self.identity, commit=False)
            if claim is None:
                db.rollback()
                return False
            started: service.Started | None = None
            if claim.attempts <= self.queue_settings.job_max_attempts:
                started = service.mark_started(db=db, claim=claim)
                if started is None:  # superseded by a regrade, or already graded
                    jobs.finish(db=db, claim=claim)
            db.commit()
        with self._lock:
            self._held.add(claim.token)
        try:
            self.process(claim, started)
        finally:
            with self._lock:
                self._held.discard(claim.token)
        return True

    def process(self, claim: Claim, submission: service.Started | None) -> None:
        """Run a claimed job whose submission ``run_next`` marked started (None: nothing to
        run, unless the job has been started too often, which ends as infra-error)."""
        limit = self.queue_settings.job_max_attempts
        if claim.attempts > limit:
            message = (
                f"The grading worker stopped {claim.attempts - 1} times while running this code, "
                "so it was not graded. This is a problem on our side and does not count against "
                "you; if it happens again, tell your instructor."
            )
            with self.factory() as db:
                kind = service.mark_started(db=db, claim=claim)
                kind_value = kind.kind if kind is not None else Kind.submission.value
                service.store_outcome(
                    db=db, claim=claim, outcome=infra_error(message, kind=kind_value)
                )
            return
        if submission is None:
            return
        writer = EventWriter(factory=self.factory, submission_id=claim.submission_id)
        try:
            outcome = self._execute(
                kind=submission.kind,
                course=submission.course,
                exercise=submission.exercise,
                code=submission.code,
                on_event=writer,
            )
        except Exception as exc:  # a fault of ours: the runner itself failed
            log.exception("job %s: the runner failed", claim.job_id)
            outcome = infra_error(
                f"The grader failed: {type(exc).__name__}: {exc}", kind=submission.kind
            )
        finally:
            writer.close()
        if outcome.get("status") == "infra-error" and claim.attempts < limit:
            with self.factory() as db:
                reason = str(outcome.get("feedback") or outcome.get("error") or "infra-error")
                if jobs.release(db=db, claim=claim, error=reason):
                    log.warning("job %s: infra-error, queued again: %s", claim.job_id, reason)
                    self.on_requeue([claim.job_id])
            return
        with self.factory() as db:
            service.store_outcome(db=db, claim=claim, outcome=outcome)

    def _execute(
        self, *, kind: str, course: str, exercise: str | None, code: str, on_event: EventWriter
    ) -> dict[str, Any]:
        if kind == Kind.run.value:
            from feynlab.sandbox.limits import RunLimits

            limits = RunLimits.defaults(self.settings)
            return as_dict(self.runner.run_code(code=code, limits=limits, on_event=on_event))
        found = self.exercises(course, exercise or "")
        if found is None:
            return infra_error(
                f"The exercise {course}/{exercise} is no longer on the platform, so this "
                "submission could not be graded. It does not count against you."
            )
        return as_dict(self.runner.grade(exercise=found, code=code, on_event=on_event))


class Maintenance:
    """A thread that keeps held jobs' heartbeats fresh and takes up jobs of dead workers."""

    def __init__(
        self,
        *,
        worker: GradingWorker,
        announce_lost: bool,
        on_requeue: Callable[[list[int]], None],
        alive_file: Path | None = None,
    ) -> None:
        self.worker = worker
        self.alive_file = alive_file
        self.announce_lost = announce_lost
        self.on_requeue = on_requeue
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="queue-maintenance", daemon=True)

    def start(self) -> None:
        self.tick()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def tick(self) -> None:
        lease = self.worker.queue_settings.job_lease_s
        with self.worker.factory() as db:
            jobs.heartbeat(db=db, tokens=self.worker.held)
            taken = jobs.reap(db=db, lease_s=lease, me=self.worker.identity)
            if taken:
                log.warning("took up %d jobs of stopped workers: %s", len(taken), taken)
            lost = jobs.unannounced(db=db, older_than_s=lease) if self.announce_lost else []
        if taken or lost:
            self.on_requeue(sorted(set(taken) | set(lost)))
        if self.alive_file is not None:  # the liveness probe of a worker pod reads its age
            self.alive_file.parent.mkdir(parents=True, exist_ok=True)
            self.alive_file.touch()

    def _loop(self) -> None:
        interval = max(0.2, self.worker.queue_settings.job_lease_s / 3)
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception:  # the database may be briefly away; try again next tick
                log.exception("queue maintenance failed")
