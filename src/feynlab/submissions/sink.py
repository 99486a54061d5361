"""The submissions feature's side of the queue seam (feynlab.grading.queue.sink.OutcomeSink)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from feynlab.courses.find import find_exercise
from feynlab.grading.exercise import ExerciseNotFound, GradableExercise
from feynlab.grading.queue.jobs import Claim
from feynlab.grading.queue.sink import Started
from feynlab.grading.verdicts import Outcome
from feynlab.submissions import service
from feynlab.submissions.events import EventWriter
from feynlab.submissions.models import Kind


class SubmissionSink:
    """Submissions and runs stored in the database; exercises in ``courses_dir``."""

    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        courses_dir: Path,
        on_stored: Sequence[service.OnStored] = (),
    ) -> None:
        self.factory = factory
        self.courses_dir = courses_dir
        self.on_stored = tuple(on_stored)  # features told of each counted verdict (LTI)

    def start(self, *, db: Session, claim: Claim) -> Started | None:
        row = service.mark_started(db=db, claim=claim)
        if row is None:
            return None
        if row.kind == Kind.run.value:
            label = f"{row.course}/{row.lesson}"
            return Started(code=row.code, is_run=True, exercise=None, label=label)
        slug = row.exercise or ""
        return Started(
            code=row.code,
            is_run=False,
            exercise=self._exercise(row.course, slug, row.exercise_spec),
            label=f"{row.course}/{slug}",
            view_seed=row.view_seed,
        )

    def _exercise(
        self, course: str, slug: str, spec: dict[str, object] | None
    ) -> GradableExercise | None:
        try:
            if spec is not None:
                return GradableExercise.from_spec(
                    courses_dir=self.courses_dir, course=course, slug=slug, spec=spec
                )
            # A submission made before exercises were recorded with it: today's version.
            return find_exercise(self.courses_dir, f"{course}/{slug}").gradable()
        except ExerciseNotFound:
            return None

    def store(self, *, db: Session, claim: Claim, outcome: Outcome) -> bool:
        return service.store_outcome(db=db, claim=claim, outcome=outcome, on_stored=self.on_stored)

    def requeued(self, *, db: Session, claim: Claim) -> None:
        service.mark_requeued(db=db, claim=claim)

    def events(self, *, submission_id: int) -> EventWriter:
        return EventWriter(factory=self.factory, submission_id=submission_id)
