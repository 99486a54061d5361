"""The grading contract: one typed ``Verdict`` (a graded submission) and ``RunResult`` (a code
cell), from the runner to the database, the event stream and the browser (docs/dev-guide.md).

Whose fault an outcome is travels as the ``fault`` field, never as a string prefix:
- ``learner``: the learner's code decided it (passed, failed, their exception, a limit); it counts;
- ``author``: the exercise's grader broke; staff see its traceback, the attempt does not count;
- ``platform``: our infrastructure failed; the queue alone retries it; it never counts.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Fault(StrEnum):
    learner = "learner"
    author = "author"
    platform = "platform"


RunStatus = Literal["ok", "error", "timeout", "memory", "output-limit", "infra-error"]
VerdictStatus = Literal[
    "passed", "failed", "error", "timeout", "memory", "output-limit", "infra-error"
]
LimitStatus = Literal["timeout", "memory", "output-limit"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Resources(_Model):
    cpu_s: float = Field(0.0, description="CPU seconds the learner's process used.")
    max_rss_mb: float = Field(0.0, description="Peak resident memory of the learner's process.")


def _finite(value: float | None) -> float | None:
    """JSON (and PostgreSQL's json) has no NaN or infinity: they become null."""
    if value is None or not math.isfinite(value):
        return None
    return value


class StaffDetails(_Model):
    """What only staff see of a verdict: exact figures, the view, the grader's traceback."""

    metrics: dict[str, float | None] = Field(
        default_factory=dict, description="The exact figures behind the learner's coarse ones."
    )
    view_seed: int | None = Field(
        None, description="Seed of the test view this grading drew (a regrade reproduces it)."
    )
    predictions: dict[str, list[Any]] | None = Field(
        None, description="The model's prediction per hidden test item (for similarity reports)."
    )
    grader_traceback: str | None = Field(
        None, description="The grader's own traceback, when the author's grader failed."
    )
    platform_error: str | None = Field(None, description="What failed on our side.")

    _finite_metrics = field_validator("metrics")(
        lambda cls, v: {k: _finite(x) for k, x in v.items()}
    )


class RunResult(_Model):
    """The outcome of a code cell (never graded)."""

    kind: Literal["run"] = "run"
    status: RunStatus
    fault: Fault = Fault.learner
    output: str = ""
    error: str | None = Field(None, description="The learner's traceback, or what went wrong.")
    error_line: int | None = Field(
        None,
        description="The line of the learner's file the error points to (the editor marks it).",
    )
    duration_s: float = 0.0
    resources: Resources = Field(default_factory=Resources)
    seed: int | None = Field(None, description="The seed of the run's random generators.")
    first_output_s: float | None = None

    @property
    def counts_against_learner(self) -> bool:
        return self.fault == Fault.learner


class Verdict(_Model):
    """The outcome of grading a submission."""

    kind: Literal["verdict"] = "verdict"
    status: VerdictStatus
    fault: Fault = Fault.learner
    score: float | None = None
    metrics: dict[str, float | None] = Field(
        default_factory=dict,
        description="The figures the learner sees (coarse where exact ones "
        "would leak the hidden test set).",
    )
    feedback: str = Field("", description="Markdown for the learner.")
    summary: str = Field(
        "",
        description="The result in plain words, e.g. 'all 7 hidden cases passed', 'won 61% of "
        "500 games' (shown instead of the raw metric keys).",
    )
    output: str = ""
    error: str | None = Field(None, description="The learner's traceback, when it raised.")
    error_line: int | None = Field(
        None,
        description="The line of the learner's file the error points to (the editor marks it).",
    )
    duration_s: float = 0.0
    resources: Resources = Field(default_factory=Resources)
    seed: int | None = Field(None, description="The seed of the learner process's generators.")
    artifacts: dict[str, Any] = Field(
        default_factory=dict, description="Grader extras for the page (e.g. Snake replays)."
    )
    staff: StaffDetails | None = Field(None, description="Present for staff only.")

    _finite_score = field_validator("score")(lambda cls, v: _finite(v))
    _finite_metrics = field_validator("metrics")(
        lambda cls, v: {k: _finite(x) for k, x in v.items()}
    )

    @property
    def counts_against_learner(self) -> bool:
        return self.fault == Fault.learner

    def for_learner(self) -> Verdict:
        """The verdict as its learner may see it (no staff details)."""
        return self.model_copy(update={"staff": None})


Outcome = Verdict | RunResult


def platform_fault(message: str, *, detail: str | None = None, kind: str = "verdict") -> Outcome:
    """An outcome that is our fault: retried by the queue, never counted against the learner."""
    if kind == "run":
        return RunResult(status="infra-error", fault=Fault.platform, error=message)
    staff = StaffDetails(platform_error=detail or message)
    return Verdict(status="infra-error", fault=Fault.platform, feedback=message, staff=staff)


def parse_outcome(data: dict[str, Any], *, run: bool = False) -> Outcome:
    """A stored outcome (``submissions.result``) back as its model; keys of older versions that
    the contract no longer has are dropped."""
    model: type[Verdict] | type[RunResult] = RunResult if run else Verdict
    known = {k: v for k, v in data.items() if k in model.model_fields and k != "kind"}
    return model.model_validate(known)
