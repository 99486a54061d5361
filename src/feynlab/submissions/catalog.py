"""Where the queue and the API find exercises and lessons: the web app's course registry, or,
in a Celery worker, the course folders loaded read-only."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from feynlab.courses.content import Course, Exercise
from feynlab.courses.registry import CourseRegistry
from feynlab.errors import NotFound
from feynlab.grading.exercise import GradableExercise, PassBar


def course_of(registry: CourseRegistry, slug: str) -> Course:
    entry = registry.get(slug)
    if entry is None or entry.course is None:
        raise NotFound(f"There is no course {slug!r}.")
    return entry.course


def exercise_of(registry: CourseRegistry, course: str, exercise: str) -> Exercise:
    found = course_of(registry, course).exercise(exercise)
    if found is None:
        raise NotFound(f"The course {course!r} has no exercise {exercise!r}.")
    return found


def check_lesson(registry: CourseRegistry, course: str, lesson: str) -> None:
    if course_of(registry, course).lesson(lesson) is None:
        raise NotFound(f"The course {course!r} has no lesson {lesson!r}.")


def gradable(exercise: Exercise) -> GradableExercise:
    """What the runner needs of an exercise: its folder, entry point, pass bar and limits."""
    limits = {k: v for k, v in exercise.limits.model_dump().items() if v is not None}
    return GradableExercise(
        course=exercise.course,
        slug=exercise.slug,
        directory=exercise.directory,
        entrypoint=exercise.entrypoint,
        pass_bar=PassBar(metric=exercise.pass_bar.metric, at_least=exercise.pass_bar.at_least),
        limits=limits,
    )


def registry_lookup(registry: CourseRegistry) -> Any:
    """An exercise lookup over the web app's registry (the embedded queue's workers)."""

    def find(course: str, exercise: str) -> GradableExercise | None:
        try:
            return gradable(exercise_of(registry, course, exercise))
        except NotFound:
            return None

    return find


class FolderCatalog:
    """Exercises loaded from the course folders without touching the database; reloaded
    when an unknown exercise is asked for (at most every ``reload_s`` seconds)."""

    def __init__(self, courses_dir: Path, reload_s: float = 10.0) -> None:
        self.courses_dir = courses_dir
        self.reload_s = reload_s
        self._courses: dict[str, Course] = {}
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        from feynlab.courses.loader import load_all

        courses = {r.slug: r.course for r in load_all(self.courses_dir) if r.course is not None}
        with self._lock:
            self._courses = courses
            self._loaded_at = time.monotonic()

    def __call__(self, course: str, exercise: str) -> GradableExercise | None:
        found = self._find(course, exercise)
        if found is None and time.monotonic() - self._loaded_at > self.reload_s:
            self.reload()
            found = self._find(course, exercise)
        return gradable(found) if found is not None else None

    def _find(self, course: str, exercise: str) -> Exercise | None:
        with self._lock:
            loaded = self._courses.get(course)
        return loaded.exercise(exercise) if loaded is not None else None
