"""Request and response bodies of submissions, runs and the instructor's gradebook."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feynlab.grading.verdicts import RunResult, Verdict

SubmissionState = Literal["queued", "running", "done"]


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="The learner's Python source (the whole exercise file).")


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="The code cell's Python source.")
    course: str = Field(min_length=1, max_length=100)
    lesson: str = Field(min_length=1, max_length=100)


class Accepted(BaseModel):
    id: int
    state: SubmissionState
    events_url: str = Field(description="Server-Sent Events of this submission or run.")


class SubmissionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    course: str
    exercise: str | None
    state: SubmissionState
    status: str | None = Field(description="The verdict's status once graded.")
    score: float | None
    round: int = Field(description="1, then 2, 3... after each regrade.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class SubmissionRead(SubmissionSummary):
    code: str
    verdict: Verdict | None
    position: int | None = Field(None, description="Place in the queue while queued.")


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    course: str
    lesson: str | None
    state: SubmissionState
    status: str | None
    code: str
    result: RunResult | None
    position: int | None = None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RegradeOut(BaseModel):
    regraded: int = Field(description="How many submissions were queued again.")
    ids: list[int]


class LearnerRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str


class GradebookRow(BaseModel):
    learner: LearnerRef
    course: str
    exercise: str
    status: Literal["passed", "attempted", "pending"] = Field(
        description="passed if any submission passed; pending if none is graded yet."
    )
    best_score: float | None
    attempts: int
    last_activity: datetime


class LearnerPage(BaseModel):
    learner: LearnerRef
    rows: list[GradebookRow]
    submissions: list[SubmissionRead]
