"""Submissions and runs: accept (with limits), read, list, regrade, and store an outcome once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import BigInteger, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from feynlab.accounts.models import User
from feynlab.db import utcnow
from feynlab.errors import Invalid, NotFound, TooLarge, TooMany
from feynlab.grading.queue import jobs
from feynlab.grading.queue.jobs import Claim
from feynlab.grading.queue.models import GradingJob, JobState
from feynlab.grading.verdicts import Outcome, Verdict, parse_outcome
from feynlab.submissions import events
from feynlab.submissions.models import Kind, State, Submission

LEARNER_PRIORITY = 0
BULK_PRIORITY = 1  # a regrade of a whole exercise yields to learners waiting for a verdict


def check_code(*, code: str, max_bytes: int) -> None:
    """Refuse code that is not plain text (422) or larger than ``max_bytes`` (413)."""
    try:
        size = len(code.encode())
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800") sent as JSON
        line = code.count("\n", 0, exc.start) + 1
        raise Invalid(
            f"Your code has a broken character on line {line} (half of an emoji or symbol, "
            "likely from copying and pasting). Delete that character and try again."
        ) from None
    if "\x00" in code:
        line = code.count("\n", 0, code.index("\x00")) + 1
        raise Invalid(
            f"Your code contains an invisible NUL character on line {line}. Python files "
            "cannot contain it: retype that line and try again."
        )
    if size > max_bytes:
        raise TooLarge(
            f"Your code is {math.ceil(size / 1024)} KB; the limit is {max_bytes // 1024} KB. "
            "Remove large pasted data or long comments and try again."
        )


# Built once: these run for every submission and every read of one (a reused statement keeps
# its cache key, which SQLAlchemy otherwise works out again on each call).
_RECENT = (
    select(Submission.created_at)
    .where(Submission.user_id == bindparam("uid"), Submission.kind == bindparam("kind"))
    .where(Submission.created_at >= bindparam("since"))
    .order_by(Submission.created_at)
)
_ACTIVE = select(func.count(GradingJob.id)).where(
    GradingJob.user_id == bindparam("uid"),
    GradingJob.priority == LEARNER_PRIORITY,
    GradingJob.state.in_([JobState.queued.value, JobState.running.value]),
)
_BY_ID = select(Submission).where(Submission.id == bindparam("sid"))


_LOCK_LEARNER = (  # a no-op write on the learner's row: PostgreSQL locks the row, SQLite the file
    update(User).where(User.id == bindparam("uid")).values(role=User.role)
)
_TODAY = (
    select(func.count(Submission.id))
    .where(Submission.user_id == bindparam("uid"), Submission.kind == Kind.submission.value)
    .where(Submission.course == bindparam("course"), Submission.exercise == bindparam("exercise"))
    .where(Submission.created_at >= bindparam("since"))
)


def lock_learner(*, db: Session, user: User) -> None:
    """Hold the learner's lock until the transaction ends: the checks of ``check_rate`` and the
    insert of ``create`` then run one learner at a time (30 parallel submissions got 2-5 in
    against a limit of 2 when they were checked apart)."""
    db.execute(_LOCK_LEARNER, {"uid": user.id})


def start_of_day() -> datetime:
    now = utcnow()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def submitted_today(*, db: Session, user: User, course: str, exercise: str) -> int:
    return int(
        db.scalar(
            _TODAY,
            {"uid": user.id, "course": course, "exercise": exercise, "since": start_of_day()},
        )
        or 0
    )


def check_daily(*, db: Session, user: User, course: str, exercise: str, per_day: int) -> None:
    """Refuse with 429 once the exercise's daily budget is spent (call under ``lock_learner``)."""
    if submitted_today(db=db, user=user, course=course, exercise=exercise) >= per_day:
        db.rollback()  # the learner's lock goes with it
        tomorrow = start_of_day() + timedelta(days=1)
        wait = max(1, math.ceil((tomorrow - utcnow()).total_seconds()))
        raise TooMany(
            f"You have used today's {per_day} submissions of this exercise. New ones open at "
            f"midnight UTC (in about {math.ceil(wait / 3600)} hours); meanwhile, try your code "
            "in a lesson's code cell.",
            headers={"Retry-After": str(wait)},
        )


def check_rate(*, db: Session, user: User, kind: Kind, per_minute: int, max_active: int) -> None:
    """Refuse with 429 and Retry-After past the per-minute or the at-once limit. Takes the
    learner's lock first; the caller's ``create`` in the same transaction releases it."""
    lock_learner(db=db, user=user)
    since = utcnow() - timedelta(seconds=60)
    recent = list(db.scalars(_RECENT, {"uid": user.id, "kind": kind.value, "since": since}))
    noun = {Kind.submission: "submissions", Kind.check: "checks"}.get(kind, "code runs")
    if len(recent) >= per_minute:
        db.rollback()
        wait = max(1, math.ceil(60 - (utcnow() - recent[0]).total_seconds()))
        raise TooMany(
            f"You sent {len(recent)} {noun} in the last minute; the limit is {per_minute}. "
            f"Wait {wait} seconds and try again.",
            headers={"Retry-After": str(wait)},
        )
    active = db.scalar(_ACTIVE, {"uid": user.id})
    if int(active or 0) >= max_active:
        db.rollback()
        raise TooMany(
            f"You already have {active} runs waiting or running; the limit is {max_active}. "
            "Wait for one to finish (its result appears on the page), then try again.",
            headers={"Retry-After": "5"},
        )


def _enqueue(
    *, db: Session, submission: Submission, priority: int, after_seq: int = 0
) -> GradingJob:
    job = jobs.create(
        db=db,
        submission_id=submission.id,
        user_id=submission.user_id,
        round=submission.round,
        priority=priority,
    )
    position = jobs.position(db=db, submission_id=submission.id)
    events.append(
        db=db,
        submission_id=submission.id,
        events=[{"type": "queued", "position": position}],
        after=after_seq,
    )
    return job


def create(
    *,
    db: Session,
    user: User,
    kind: Kind,
    course: str,
    code: str,
    exercise: str | None = None,
    exercise_spec: dict[str, Any] | None = None,
    lesson: str | None = None,
) -> tuple[Submission, GradingJob]:
    """Store the code and its job in one transaction (the caller then tells the queue).
    ``exercise_spec`` is the exercise as it is now (GradableExercise.spec()): it is graded so."""
    submission = Submission(
        kind=kind.value,
        user_id=user.id,
        course=course,
        exercise=exercise,
        exercise_spec=exercise_spec,
        lesson=lesson,
        code=code,
        state=State.queued.value,
        round=1,
    )
    db.add(submission)
    db.flush()
    job = _enqueue(db=db, submission=submission, priority=LEARNER_PRIORITY)
    db.commit()
    return submission, job


# An author's trial is read (and streamed) like a submission; a run only as a run.
_READ_AS = {
    Kind.submission: {Kind.submission.value, Kind.trial.value, Kind.check.value},
    Kind.run: {Kind.run.value},
    Kind.trial: {Kind.trial.value},
}


def get(*, db: Session, user: User, submission_id: int, kind: Kind) -> Submission:
    """The submission, for its owner or staff; others get the same 404 as a missing one."""
    found = db.scalar(_BY_ID, {"sid": submission_id})
    if (
        found is None
        or found.kind not in _READ_AS[kind]
        or (found.user_id != user.id and not user.is_staff)
    ):
        noun = "submission" if kind == Kind.submission else "run"
        raise NotFound(f"There is no {noun} {submission_id} of yours.")
    return found


def history(
    *, db: Session, user_id: int, course: str, exercise: str, limit: int = 100
) -> list[Submission]:
    return list(
        db.scalars(
            select(Submission)
            .where(Submission.user_id == user_id, Submission.kind == Kind.submission.value)
            .where(Submission.course == course, Submission.exercise == exercise)
            .order_by(Submission.id.desc())
            .limit(limit)
        )
    )


def of_learner(*, db: Session, user_id: int, limit: int = 500) -> list[Submission]:
    return list(
        db.scalars(
            select(Submission)
            .where(Submission.user_id == user_id, Submission.kind == Kind.submission.value)
            .order_by(Submission.id.desc())
            .limit(limit)
        )
    )


def queue_position(*, db: Session, submission: Submission) -> int | None:
    if submission.state != State.queued.value:
        return None
    return jobs.position(db=db, submission_id=submission.id)


def regrade(*, db: Session, submissions: list[Submission], priority: int) -> list[GradingJob]:
    """Start a new round for each submission: old output cleared, a new job queued."""
    created = []
    for submission in submissions:
        db.execute(
            update(GradingJob)
            .where(
                GradingJob.submission_id == submission.id, GradingJob.state == JobState.queued.value
            )
            .values(
                state=JobState.done.value, finished_at=utcnow(), error="superseded by a regrade"
            )
        )
        # The old round's events go; numbering goes on, so a Last-Event-ID stays meaningful.
        after_seq = events.last_seq(db=db, submission_id=submission.id)
        db.execute(
            delete(events.SubmissionEvent).where(
                events.SubmissionEvent.submission_id == submission.id
            )
        )
        submission.round += 1
        submission.state = State.queued.value
        submission.status = None
        submission.score = None
        submission.result = None
        submission.started_at = None
        submission.finished_at = None
        db.flush()
        created.append(
            _enqueue(db=db, submission=submission, priority=priority, after_seq=after_seq)
        )
    db.commit()
    return created


def of_exercise(*, db: Session, course: str, exercise: str) -> list[Submission]:
    return list(
        db.scalars(
            select(Submission)
            .where(Submission.kind == Kind.submission.value)
            .where(Submission.course == course, Submission.exercise == exercise)
            .order_by(Submission.id)
        )
    )


@dataclass(frozen=True)
class StartedRow:
    """What a worker needs of a submission it starts (its id is the claim's)."""

    kind: str
    course: str
    exercise: str | None
    lesson: str | None
    code: str
    exercise_spec: dict[str, Any] | None
    view_seed: int | None


# The submission of a job's round, unless a regrade started another round or it is done.
_OPEN_ROUND = (
    Submission.id == bindparam("sid"),
    Submission.round == bindparam("this_round"),
    Submission.state != State.done.value,
)
_START = (  # built once, run on the connection: it runs per job
    update(Submission)
    .where(*_OPEN_ROUND)
    .values(
        state=State.running.value,
        started_at=func.coalesce(
            Submission.started_at, bindparam("now", type_=Submission.started_at.type)
        ),
    )
    .returning(
        Submission.kind,
        Submission.course,
        Submission.exercise,
        Submission.lesson,
        Submission.code,
        Submission.exercise_spec,
        Submission.view_seed,
    )
)


def mark_started(*, db: Session, claim: Claim) -> StartedRow | None:
    """The job's submission, marked running, with a started event; None if superseded (a
    regrade started another round) or already graded."""
    row = (
        db.connection()
        .execute(_START, {"sid": claim.submission_id, "this_round": claim.round, "now": utcnow()})
        .first()
    )
    if row is None:
        return None
    event: dict[str, Any] = {"type": "started"}
    if claim.attempts > 1:
        event["attempt"] = claim.attempts
    seq = events.append(db=db, submission_id=claim.submission_id, events=[event])
    db.commit()
    events.notifier.notify(claim.submission_id, [(seq, event)])
    return StartedRow(*row)


def mark_requeued(*, db: Session, claim: Claim) -> None:
    """The job went back to the queue after a platform fault: the submission is queued again,
    and its streams say so with the place in the queue."""
    db.execute(
        update(Submission).where(*_OPEN_ROUND).values(state=State.queued.value),
        {"sid": claim.submission_id, "this_round": claim.round},
    )
    position = jobs.position(db=db, submission_id=claim.submission_id) or 1
    event = {"type": "queued", "position": position}
    seq = events.append(db=db, submission_id=claim.submission_id, events=[event])
    db.commit()
    events.notifier.notify(claim.submission_id, [(seq, event)])


_STORE_OUTCOME = (  # built once: it runs per verdict
    update(Submission)
    .where(*_OPEN_ROUND)
    .values(
        state=State.done.value,
        status=bindparam("new_status"),
        score=bindparam("new_score"),
        result=bindparam("new_result"),
        view_seed=func.coalesce(bindparam("view_seed", type_=BigInteger()), Submission.view_seed),
        finished_at=bindparam("now"),
    )
    .returning(Submission.kind, Submission.user_id, Submission.course, Submission.exercise)
)


def stored_outcome(submission: Submission) -> Outcome | None:
    """The submission's stored verdict (or a run's result) as its typed model."""
    if submission.result is None:
        return None
    return parse_outcome(submission.result, run=submission.kind == Kind.run.value)


class OnStored(Protocol):
    """Called in the transaction that stores a counted verdict (the learner's own)."""

    def __call__(self, *, db: Session, submission_id: int) -> object: ...


def store_outcome(
    *, db: Session, claim: Claim, outcome: Outcome, on_stored: Sequence[OnStored] = ()
) -> bool:
    """Store a verdict or run result once per round; True only for the call that stored it.

    One transaction holds the outcome, the verdict event, the learner's progress and the job's
    end, so a worker dying half-way leaves the job to run again with nothing half-recorded.
    The stored outcome keeps staff details; the event every stream replays is the learner's view.
    """
    score = outcome.score if isinstance(outcome, Verdict) else None
    staff = outcome.staff if isinstance(outcome, Verdict) else None
    stored = (
        db.connection()
        .execute(
            _STORE_OUTCOME,
            {
                "sid": claim.submission_id,
                "this_round": claim.round,
                "new_status": outcome.status,
                "new_score": score,
                "new_result": outcome.model_dump(mode="json"),
                "view_seed": staff.view_seed if staff is not None else None,
                "now": utcnow(),
            },
        )
        .first()
    )
    jobs.finish(db=db, claim=claim)
    shown = outcome.for_learner() if isinstance(outcome, Verdict) else outcome
    verdict = {**shown.model_dump(mode="json"), "type": "verdict"}
    seq = 0
    if stored is not None:
        seq = events.append(db=db, submission_id=claim.submission_id, events=[verdict])
        kind, user_id, course, exercise = stored
        if kind == Kind.submission.value and outcome.counts_against_learner and exercise:
            from feynlab.progress.service import record_exercise_result

            record_exercise_result(
                db=db,
                user_id=user_id,
                course=course,
                exercise=exercise,
                passed=outcome.status == "passed",
                score=score,
            )
            for hook in on_stored:  # e.g. LTI's outbox row for the score, in this transaction
                hook(db=db, submission_id=claim.submission_id)
    db.commit()
    if stored is not None:
        events.notifier.notify(claim.submission_id, [(seq, verdict)])
    return stored is not None
