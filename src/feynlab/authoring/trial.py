"""An author tries an exercise: its reference solution and its starter go through the same
queue, sandbox and grader as a learner's submission, never counted; the route answers at once
and the page follows both gradings' event streams like any other."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from feynlab.accounts.models import User
from feynlab.courses.content import Exercise
from feynlab.grading.queue import GradingQueue
from feynlab.submissions import service as submissions
from feynlab.submissions.models import Kind


def try_exercise(
    *, factory: sessionmaker[Session], queue: GradingQueue, user: User, exercise: Exercise
) -> dict[str, int]:
    """Queue the reference solution and the starter as trials; their submission ids."""
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
    return ids
