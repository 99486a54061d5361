"""Course content as the API returns it: never a quiz's answers before answering, never a
solution or a grader."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feynlab.courses.formats import Limits, PassBar, Rule
from feynlab.progress.schemas import CourseProgressRead


class ProblemRead(BaseModel):
    file: str = Field(description="Path relative to the course folder.")
    line: int | None
    message: str


class StaffFields(BaseModel):
    """Only filled for instructors and admins; null for everyone else."""

    status: Literal["ok", "invalid"] | None = Field(
        None, description="Staff only: whether the folder on disk is valid now."
    )
    problems: list[ProblemRead] | None = Field(
        None, description="Staff only: every problem of the folder on disk."
    )
    stale: bool | None = Field(
        None, description="Staff only: true when an older good version is being served."
    )


class CourseSummaryRead(StaffFields):
    slug: str
    title: str
    summary: str
    level: str
    draft: bool
    lesson_count: int
    exercise_count: int
    progress: CourseProgressRead | None = Field(
        None, description="The caller's; null if anonymous."
    )


class ExerciseBrief(BaseModel):
    slug: str
    title: str
    lesson: str


class LessonBrief(BaseModel):
    slug: str
    title: str
    summary: str
    exercises: list[ExerciseBrief]


class SyllabusRead(StaffFields):
    slug: str
    title: str
    summary: str
    level: str
    draft: bool
    lessons: list[LessonBrief]
    exercises: list[ExerciseBrief]
    progress: CourseProgressRead | None = None


class QuizRead(BaseModel):
    id: str
    question: str
    type: Literal["single", "multiple"]
    choices: list[str] = Field(
        description="The choices' texts in this learner's own order (stable for them); answers "
        "are checked on the server."
    )
    answer: QuizAnswerOut | None = Field(
        default=None, description="The signed-in learner's answer so far, if any."
    )


class CellRead(BaseModel):
    index: int
    code: str
    line: int


class LessonRead(BaseModel):
    course: str
    slug: str
    title: str
    summary: str
    markdown: str = Field(
        description='Markdown source; each quiz fence is replaced by <div data-quiz="ID"></div>.'
    )
    quizzes: list[QuizRead]
    cells: list[CellRead]
    exercises: list[str]
    previous: str | None = Field(None, description="The slug of the lesson before, if any.")
    next: str | None = Field(None, description="The slug of the lesson after, if any.")


class QuizAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choices: list[int] = Field(
        min_length=1,
        max_length=20,
        description="Positions (from 0) of the chosen choices, in the order the learner was shown.",
    )


class ChoiceFeedback(BaseModel):
    index: int
    explanation: str


class QuizAnswerOut(BaseModel):
    """A quiz's state for the learner. Until ``revealed`` (a right answer, or the second try),
    the right choices, the ``why`` of each choice and the explanation stay empty."""

    correct: bool
    choices: list[int] = Field(default_factory=list, description="The latest chosen positions.")
    tries: int = 1
    tries_left: int = 0
    revealed: bool = True
    correct_choices: list[int]
    explanation: str
    choice_feedback: list[ChoiceFeedback] = Field(
        description="The author's `why` of each choice that has one (positions as shown)."
    )


class ExerciseRead(BaseModel):
    course: str
    slug: str
    title: str
    lesson: str
    statement: str
    entrypoint: str
    starter: str
    hints: list[str]
    pass_bar: PassBar
    limits: Limits
    rules: list[Rule] = Field(
        default_factory=list,
        description="Rules of the exercise: checked ones the grade verifies; honour rules not.",
    )
    has_public_checks: bool = Field(
        False, description="True when Run tries the code on the exercise's public checks."
    )
    training_s: float | None = Field(
        None,
        description="The training budget the statement gives the learner's code, in seconds "
        "(the page counts it down while grading); none when the exercise has none.",
    )


class ReloadedRead(BaseModel):
    slug: str
    status: Literal["ok", "invalid"]
    stale: bool
    problems: list[ProblemRead]
    indexed_at: datetime


QuizRead.model_rebuild()  # it names QuizAnswerOut, defined after it
