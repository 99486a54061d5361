"""Progress as the API returns it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ExerciseProgressRead(BaseModel):
    exercise: str
    passed: bool
    best_score: float | None
    attempts: int
    last_activity: datetime


class CourseProgressRead(BaseModel):
    """One learner's progress in one course (only content that still exists is counted)."""

    course: str
    lessons_read: int
    lessons_done: int  # every quiz answered (a lesson without quizzes: opened)
    quizzes_answered: int
    exercises_passed: int
    lessons_total: int
    quizzes_total: int
    exercises_total: int
    percent: int
    read_lessons: list[str]
    done_lessons: list[str]
    answered_quizzes: list[str]
    passed_exercises: list[str]
    exercises: list[ExerciseProgressRead]


class LearnerRef(BaseModel):
    id: int
    name: str
    email: str


class UserProgressRead(BaseModel):
    user: LearnerRef
    courses: list[CourseProgressRead]


class LearnerCourseProgressRead(BaseModel):
    user: LearnerRef
    progress: CourseProgressRead
