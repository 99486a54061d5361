"""An author tries an exercise: its reference solution and its starter go through the same
queue, sandbox and grader as a learner's submission, and the two verdicts come back."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feynlab.accounts.models import User
from feynlab.courses.content import Exercise
from feynlab.errors import AppError
from feynlab.grading.queue import GradingQueue
from feynlab.submissions import service as submissions
from feynlab.submissions.models import Kind, State, Submission

# Queue wait and grader start-up on top of the exercise's own wall limit, twice over.
MARGIN_S = 60.0


class TrialTimeout(AppError):
    status_code = 504
    code = "trial_timeout"


def try_exercise(
    *,
    factory: sessionmaker[Session],
    queue: GradingQueue,
    user: User,
    exercise: Exercise,
    default_wall_s: float,
) -> dict[str, dict[str, Any]]:
    """Grade the reference solution and the starter; wait for both verdicts."""
    codes = {
        "solution": exercise.solution_path.read_text(encoding="utf-8"),
        "starter": exercise.starter,
    }
    ids: dict[str, int] = {}
    with factory() as db:
        for name, code in codes.items():
            submission, job = submissions.create(
                db=db,
                user=user,
                kind=Kind.trial,
                course=exercise.course,
                exercise=exercise.slug,
                exercise_spec=exercise.gradable().spec(),
                code=code,
            )
            queue.enqueue(job.id)
            ids[name] = submission.id
    wall = exercise.limits.wall_s or default_wall_s
    deadline = time.monotonic() + 2 * wall + MARGIN_S
    while time.monotonic() < deadline:
        with factory() as db:
            rows = db.scalars(select(Submission).where(Submission.id.in_(ids.values()))).all()
            done = {row.id: row.result for row in rows if row.state == State.done.value}
        if len(done) == len(ids):
            return {name: done[sid] or {} for name, sid in ids.items()}
        time.sleep(0.2)
    raise TrialTimeout(
        "Trying the exercise took too long: the grading queue may be busy. Its verdicts will "
        f"still be stored (submissions {sorted(ids.values())}); try again later."
    )
