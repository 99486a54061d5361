"""The course folder format as Pydantic models: what each YAML file may contain."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from feynlab.datasets.view import ViewBlock

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,79}$")]
Level = Literal["beginner", "intermediate", "advanced"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CourseFile(_Strict):
    """``course.yaml``."""

    slug: Slug
    title: Text
    summary: str = ""
    level: Level
    lessons: list[Slug] = Field(default_factory=list)
    exercises: list[Slug] = Field(default_factory=list)
    draft: bool = Field(False, description="Hidden from learners while true.")


class LessonFrontMatter(_Strict):
    """The YAML front matter of ``lessons/<lesson>.md``."""

    title: Text
    summary: str = ""
    exercises: list[Slug] = Field(default_factory=list)


class ChoiceBlock(_Strict):
    text: Text
    correct: bool = False
    why: str = ""  # why this choice is right or wrong, shown once the quiz is answered
    explanation: str = ""  # the older name of `why`


class QuizBlock(_Strict):
    """A ```quiz fence inside a lesson."""

    id: Slug
    question: Text
    type: Literal["single", "multiple"] = "single"
    choices: list[ChoiceBlock] = Field(min_length=2, max_length=20)
    explanation: str = ""


class PassBar(_Strict):
    """The exercise passes when ``metric`` is at least ``at_least``."""

    metric: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    at_least: float


class Limits(_Strict):
    """Per-exercise run limits; a missing one takes the platform default (settings)."""

    wall_s: float | None = Field(default=None, gt=0, le=3600)
    cpu_s: float | None = Field(default=None, gt=0, le=36_000)
    memory_mb: int | None = Field(default=None, gt=0, le=65_536)
    pids: int | None = Field(default=None, ge=1, le=4096)
    output_kb: int | None = Field(default=None, ge=1, le=102_400)
    reply_mb: int | None = Field(default=None, ge=1, le=1024)  # largest answer, MiB


class Rule(_Strict):
    """A rule of the exercise, shown on its page: ``checked`` when the grader verifies it, else
    an honour rule the grade does not rest on."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    checked: bool


class ExerciseFile(_Strict):
    """``exercises/<exercise>/exercise.yaml``."""

    title: Text
    lesson: Slug
    statement: Text
    entrypoint: Identifier
    pass_bar: PassBar = Field(alias="pass")
    limits: Limits = Limits()
    hints: list[Text] = Field(default_factory=list)
    view: ViewBlock | None = None
    max_code_kb: int = Field(
        64, ge=1, le=1024, description="Largest submission, KiB (refused with 413 above it)."
    )
    daily_submissions: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="Submissions a learner may make per UTC day (none: no cap).",
    )
    rules: list[Rule] = Field(default_factory=list, max_length=20)
    training_s: float | None = Field(
        None,
        gt=0,
        le=3600,
        description="The training budget the statement gives the learner's code, in seconds "
        "(shown on the page and counted down while grading; below the wall limit).",
    )
    zygote: Literal["numpy", "sklearn", "keras"] | None = Field(
        None,
        description="What the sandbox preloads for this exercise (numpy: NumPy only, sklearn: "
        "+ SciPy, scikit-learn, Matplotlib, keras: the whole ML stack); default: inferred from "
        "each submission's imports.",
    )

    @model_validator(mode="after")
    def _training_within_the_wall(self) -> ExerciseFile:
        wall = self.limits.wall_s
        if self.training_s is not None and wall is not None and self.training_s >= wall:
            raise ValueError(
                f"training_s ({self.training_s:g} s) must be below limits.wall_s ({wall:g} s): "
                "the grading needs time after training too"
            )
        return self
