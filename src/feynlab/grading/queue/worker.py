"""The grading worker: claim a job, run it through the runner, store its outcome once.

Shared by both queue backends, and the one place where grading is retried: an outcome whose
``fault`` is ``platform`` puts the job back in the queue until ``job_max_attempts`` starts, after
which it is stored (not counted) with a message. A learner's outcome (passed, failed, a crash, a
limit) and an author's fault (the grader broke) are stored at once and never run again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from feynlab.grading.queue import jobs
from feynlab.grading.queue.jobs import Claim
from feynlab.grading.queue.runners import Runner
from feynlab.grading.queue.sink import EventSink, OutcomeSink, Started
from feynlab.grading.verdicts import Fault, Outcome, Verdict, platform_fault
from feynlab.settings import Settings

log = logging.getLogger("feynlab.queue")


STOPPED_TOO_OFTEN = (
    "The grading worker stopped {n} times while running this code, so it was not graded. This "
    "is a problem on our side and does not count against you; if it happens again, tell your "
    "instructor."
)
FAILED_TOO_OFTEN = (
    "Grading failed on our side {n} times in a row, so this code was not graded. It does not "
    "count against you; submit again later, and tell your instructor if it goes on."
)


class GradingWorker:
    """Runs claimed jobs; ``held`` are the claim tokens it is working on (for heartbeats)."""

    def __init__(
        self,
        *,
        settings: Settings,
        factory: sessionmaker[Session],
        runner: Runner,
        sink: OutcomeSink,
        identity: str | None = None,
        on_requeue: Callable[[list[int]], None] = lambda ids: None,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.runner = runner
        self.sink = sink
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
            started = self.sink.start(db=db, claim=claim)
            if started is None:  # superseded by a regrade, or already graded
                jobs.finish(db=db, claim=claim)
            db.commit()
        with self._lock:
            self._held.add(claim.token)
        try:
            if started is not None:
                self.process(claim, started)
        finally:
            with self._lock:
                self._held.discard(claim.token)
        return True

    def process(self, claim: Claim, started: Started) -> None:
        """Run a claimed, started job and store its outcome, or queue it again after a fault of
        ours (the one retry rule: ``fault == platform``, at most ``job_max_attempts`` starts)."""
        limit = self.settings.job_max_attempts
        kind = "run" if started.is_run else "verdict"
        if claim.attempts > limit:  # the workers running it died: do not run it once more
            outcome = platform_fault(STOPPED_TOO_OFTEN.format(n=claim.attempts - 1), kind=kind)
            with self.factory() as db:
                self.sink.store(db=db, claim=claim, outcome=outcome)
            return
        writer = self.sink.events(submission_id=claim.submission_id)
        try:
            outcome = self._execute(started, on_event=writer)
        except Exception as exc:  # a fault of ours: the runner itself failed
            log.exception("job %s: the runner failed", claim.job_id)
            outcome = platform_fault(
                FAILED_TOO_OFTEN.format(n=claim.attempts),
                detail=f"the runner raised {type(exc).__name__}: {exc}",
                kind=kind,
            )
        finally:
            writer.close()
        if outcome.fault == Fault.platform:
            reason = _platform_reason(outcome)
            if claim.attempts < limit:
                with self.factory() as db:
                    if jobs.release(db=db, claim=claim, error=reason):
                        self.sink.requeued(db=db, claim=claim)
                        log.warning("job %s: queued again: %s", claim.job_id, reason)
                        self.on_requeue([claim.job_id])
                return
            log.error("job %s: platform fault on the last attempt: %s", claim.job_id, reason)
            outcome = _last_platform_fault(outcome, attempts=claim.attempts)
        with self.factory() as db:
            self.sink.store(db=db, claim=claim, outcome=outcome)

    def _execute(self, started: Started, *, on_event: EventSink) -> Outcome:
        if started.is_run:
            from feynlab.sandbox.limits import RunLimits

            limits = RunLimits.defaults(self.settings)
            return self.runner.run_code(code=started.code, limits=limits, on_event=on_event)
        if started.exercise is None:
            return Verdict(
                status="infra-error",
                fault=Fault.author,
                feedback=f"The exercise {started.label} is no longer on the platform, so this "
                "submission could not be graded. It does not count against you.",
            )
        return self.runner.grade(
            exercise=started.exercise,
            code=started.code,
            on_event=on_event,
            view_seed=started.view_seed,
        )


def _platform_reason(outcome: Outcome) -> str:
    if isinstance(outcome, Verdict):
        detail = outcome.staff.platform_error if outcome.staff else None
        return detail or outcome.feedback or "platform fault"
    return outcome.error or "platform fault"


def _last_platform_fault(outcome: Outcome, *, attempts: int) -> Outcome:
    """The outcome stored when the last attempt failed on our side too: says so plainly."""
    message = FAILED_TOO_OFTEN.format(n=attempts)
    if isinstance(outcome, Verdict):
        return outcome.model_copy(update={"feedback": message})
    return outcome.model_copy(update={"error": message})


class Maintenance:
    """A thread that keeps held jobs' heartbeats fresh and takes up jobs of dead workers."""

    def __init__(
        self,
        *,
        worker: GradingWorker,
        announce_lost: bool,
        on_requeue: Callable[[list[int]], None],
        alive_file: Path | None = None,
        messages_waiting: Callable[[], int] | None = None,
    ) -> None:
        self.worker = worker
        self.alive_file = alive_file
        self.announce_lost = announce_lost
        # The broker's count of messages no worker has taken: while some wait, every queued
        # job will still be claimed (a message claims the fairest job, not its own), so none is
        # lost; announcing a deep backlog again every lease would only multiply the messages.
        self.messages_waiting = messages_waiting
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
        lease = self.worker.settings.job_lease_s
        with self.worker.factory() as db:
            jobs.heartbeat(db=db, tokens=self.worker.held)
            taken = jobs.reap(db=db, lease_s=lease, me=self.worker.identity)
            if taken:
                log.warning("took up %d jobs of stopped workers: %s", len(taken), taken)
            lost = (
                jobs.unannounced(db=db, older_than_s=lease)
                if self.announce_lost and not self._messages_wait()
                else []
            )
        if taken or lost:
            self.on_requeue(sorted(set(taken) | set(lost)))
        if self.alive_file is not None:  # the liveness probe of a worker pod reads its age
            self.alive_file.parent.mkdir(parents=True, exist_ok=True)
            self.alive_file.touch()

    def _messages_wait(self) -> bool:
        return self.messages_waiting is not None and self.messages_waiting() > 0

    def _loop(self) -> None:
        interval = max(0.2, self.worker.settings.job_lease_s / 3)
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception:  # the database may be briefly away; try again next tick
                log.exception("queue maintenance failed")
