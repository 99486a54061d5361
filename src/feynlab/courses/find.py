"""Finding one exercise of a course folder by ``COURSE/EXERCISE``, through the one validated
reader (the loader), for the CLI and the tools that grade outside the web app."""

from __future__ import annotations

from pathlib import Path

from feynlab.courses.content import Exercise
from feynlab.courses.loader import load_course
from feynlab.grading.exercise import SLUG, ExerciseNotFound


def find_exercise(courses_dir: Path, target: str) -> Exercise:
    """The validated exercise ``course/slug`` of ``courses_dir``, or ExerciseNotFound saying why."""
    course, _, slug = target.partition("/")
    if not (SLUG.match(course) and SLUG.match(slug)):
        raise ExerciseNotFound(f"{target!r} is not of the form COURSE/EXERCISE")
    folder = courses_dir / course
    if not (folder / "course.yaml").is_file():
        raise ExerciseNotFound(f"unknown course {course!r} (no {folder / 'course.yaml'})")
    loaded = load_course(folder)
    if loaded.course is None:
        first = "; ".join(str(p) for p in loaded.problems[:3])
        raise ExerciseNotFound(
            f"the course {course!r} does not load ({len(loaded.problems)} problem(s): {first}); "
            f"run `feynlab courses check {folder}`"
        )
    found = loaded.course.exercise(slug)
    if found is None:
        known = ", ".join(e.slug for e in loaded.course.exercises) or "none"
        raise ExerciseNotFound(f"unknown exercise {target!r} (the course has: {known})")
    return found
