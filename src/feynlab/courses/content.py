"""The loaded, validated, immutable course content that the rest of Feynlab reads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from feynlab.courses.formats import Level, Limits, PassBar, Rule
from feynlab.datasets.view import ViewBlock

if TYPE_CHECKING:
    from feynlab.grading.exercise import GradableExercise


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Choice(_Frozen):
    text: str
    correct: bool
    explanation: str = ""


class Quiz(_Frozen):
    id: str
    question: str
    type: Literal["single", "multiple"]
    choices: tuple[Choice, ...]
    explanation: str = ""
    line: int

    @property
    def correct_choices(self) -> tuple[int, ...]:
        return tuple(i for i, choice in enumerate(self.choices) if choice.correct)


class Cell(_Frozen):
    """A runnable ```python fence of a lesson, numbered from 0 in reading order."""

    index: int
    code: str
    line: int
    requires: tuple[int, ...] = ()
    """Cells (indexes) that must have run in the learner's session first (``requires=``)."""


class Lesson(_Frozen):
    slug: str
    title: str
    summary: str = ""
    markdown: str
    """The Markdown body as written (front matter removed)."""
    reader_markdown: str
    """The body with each quiz fence replaced by ``<div data-quiz="ID"></div>``."""
    quizzes: tuple[Quiz, ...] = ()
    cells: tuple[Cell, ...] = ()
    exercises: tuple[str, ...] = ()

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == quiz_id), None)


class Exercise(_Frozen):
    course: str
    slug: str
    title: str
    lesson: str
    statement: str
    entrypoint: str
    pass_bar: PassBar
    limits: Limits
    view: ViewBlock | None = None
    """How each grading draws its test view (exercises on a data set)."""
    hints: tuple[str, ...] = ()
    directory: Path
    """The exercise folder: ``grader.py`` and ``solution.py`` are read from here."""
    starter: str
    max_code_kb: int = 64
    daily_submissions: int | None = None
    rules: tuple[Rule, ...] = ()
    training_s: float | None = None
    """The training budget the statement gives the learner's code (shown, counted down)."""
    has_public_checks: bool = False
    """Whether the folder has ``public.py`` (the page's Run runs it)."""
    zygote: str | None = None
    """The zygote profile exercise.yaml declares (None: inferred from each submission)."""

    @property
    def grader_path(self) -> Path:
        return self.directory / "grader.py"

    @property
    def solution_path(self) -> Path:
        return self.directory / "solution.py"

    def gradable(self) -> GradableExercise:
        """What the grading layer needs (feynlab.grading.exercise), from this validated version."""
        from feynlab.grading.exercise import GradableExercise
        from feynlab.grading.exercise import PassBar as GradingPassBar

        return GradableExercise(
            course=self.course,
            slug=self.slug,
            directory=self.directory,
            entrypoint=self.entrypoint,
            pass_bar=GradingPassBar(self.pass_bar.metric, self.pass_bar.at_least),
            limits=self.limits.model_dump(exclude_none=True),
            view=None if self.view is None else self.view.model_dump(),
            zygote=self.zygote,
        )


class Course(_Frozen):
    slug: str
    title: str
    summary: str = ""
    level: Level
    draft: bool = False
    lessons: tuple[Lesson, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    directory: Path
    content_hash: str

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def exercise(self, slug: str) -> Exercise | None:
        return next((ex for ex in self.exercises if ex.slug == slug), None)

    @property
    def quiz_count(self) -> int:
        return sum(len(lesson.quizzes) for lesson in self.lessons)
