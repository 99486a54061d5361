"""Pydantic models of classes, members, assignments, deadlines and class gradebooks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)

from feynlab.submissions.schemas import GradebookRow, LearnerRef, SubmissionSummary

ClassRoleName = Literal["instructor", "ta", "learner"]
LatePolicyName = Literal["none", "penalty", "closed"]
GradeRuleName = Literal["best", "last"]
# A time given with any zone, kept in UTC from the moment it arrives.
UTCTime = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(UTC))]


class ClassCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    courses: list[str] = Field(min_length=1, max_length=20, description="Course slugs.")
    starts_on: date | None = None
    ends_on: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> ClassCreate:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("The class ends before it starts: check ends_on.")
        return self


class ClassUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    courses: list[str] | None = Field(None, min_length=1, max_length=20)
    starts_on: date | None = None
    ends_on: date | None = None


class ClassSummary(BaseModel):
    id: int
    name: str
    courses: list[str]
    starts_on: date | None
    ends_on: date | None
    my_role: ClassRoleName | None = Field(
        description="The caller's role in this class (none for an admin who is not a member)."
    )
    join_code: str | None = Field(description="Shown to the class's instructors only.")


class MemberRead(BaseModel):
    learner: LearnerRef
    role: ClassRoleName
    joined_at: datetime


class MemberAdd(BaseModel):
    email: EmailStr
    role: ClassRoleName = "learner"


class JoinRequest(BaseModel):
    code: str = Field(min_length=4, max_length=32)


class AssignmentCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    course: str = Field(min_length=1, max_length=100)
    exercises: list[str] = Field(min_length=1, max_length=50)
    opens_at: UTCTime = Field(description="With a time zone; stored in UTC.")
    due_at: UTCTime
    late_policy: LatePolicyName = "none"
    penalty_per_day: float = Field(0.0, ge=0.0, le=1.0, description="Share of the score.")
    grade_rule: GradeRuleName = "best"

    @model_validator(mode="after")
    def _times_in_order(self) -> AssignmentCreate:
        if self.due_at <= self.opens_at:
            raise ValueError("The due time must come after the opening time.")
        return self


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    class_id: int
    title: str
    course: str
    exercises: list[str]
    opens_at: datetime
    due_at: datetime
    late_policy: LatePolicyName
    penalty_per_day: float
    grade_rule: GradeRuleName


class ExtensionSet(BaseModel):
    due_at: UTCTime


class ExtensionRead(BaseModel):
    assignment_id: int
    user_id: int
    due_at: datetime


class ClassDetail(ClassSummary):
    members: list[MemberRead] = Field(description="Everyone for staff; the staff for learners.")
    assignments: list[AssignmentRead]


class Deadline(BaseModel):
    """What the exercise page shows: one of the caller's assignments covering this exercise."""

    class_id: int
    class_name: str
    assignment: AssignmentRead
    due_at: datetime = Field(description="The caller's own due time (an extension moves it).")
    extended: bool
    state: Literal["not-open", "open", "late", "closed"]
    seconds_left: float = Field(description="Until the caller's due time; negative once past.")


class ExerciseGrade(BaseModel):
    exercise: str
    grade: float | None = Field(description="The counted score after the late penalty.")
    submission_id: int | None
    late_days: int = Field(description="Started days past the due time of the counted one.")


class AssignmentGrade(BaseModel):
    assignment_id: int
    grade: float = Field(description="Mean over the assignment's exercises; missing counts 0.")
    due_at: datetime
    exercises: list[ExerciseGrade]


class ClassGradebookRow(BaseModel):
    learner: LearnerRef
    assignments: list[AssignmentGrade]


class ClassGradebook(BaseModel):
    assignments: list[AssignmentRead]
    rows: list[ClassGradebookRow]
    exercises: list[GradebookRow] = Field(description="Every attempt, per exercise, as today.")


class ClassSubmission(SubmissionSummary):
    code: str
    late_days: int = Field(0, description="Started days past the learner's due time, if any.")


class ClassLearnerPage(BaseModel):
    learner: LearnerRef
    role: ClassRoleName
    grades: ClassGradebookRow
    submissions: list[ClassSubmission] = Field(description="To the class's courses, newest first.")
