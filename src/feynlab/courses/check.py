"""`feynlab courses check`: validate course folders and (once wired) prove their exercises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from feynlab.courses.content import Course
from feynlab.courses.loader import MANIFEST, LoadResult, load_all, load_course
from feynlab.courses.problems import Problem


def load_for_check(path: Path) -> list[LoadResult]:
    """One course when ``path`` holds a course.yaml, else every course folder inside it."""
    if (path / MANIFEST).is_file():
        return [load_course(path)]
    return load_all(path)


def prove_exercises(course: Course, *, echo: Callable[[str], None]) -> list[Problem]:
    """Grade every exercise's solution.py (must pass) and starter.py (must fail) through the real
    sandbox and judge, printing each solution's figure and time; return what went wrong.

    Not wired yet: it needs `feynlab.grading.runner` (the sandbox issue). It refuses rather than
    pretending that exercises were proved."""
    raise NotImplementedError(
        "proving exercises needs the sandbox runner (feynlab.grading.runner), not wired yet"
    )


def report_line(result: LoadResult, problem: Problem) -> str:
    """``<course folder>/<file>:<line>: <message>``, clickable in editors and terminals."""
    where = result.directory / problem.file
    return (
        f"{where}:{problem.line}: {problem.message}"
        if problem.line
        else f"{where}: {problem.message}"
    )


def run_check(path: Path, *, prove: bool, echo: Callable[[str], None]) -> int:
    """Print every problem of the courses under ``path``; the number of problems found."""
    if not path.is_dir():
        echo(f"{path}: not a folder")
        return 1
    results = load_for_check(path)
    if not results:
        echo(f"{path}: no course folders found")
        return 1
    count = 0
    for result in results:
        problems = list(result.problems)
        if prove and result.course is not None:
            problems += prove_exercises(result.course, echo=echo)
        for problem in problems:
            echo(report_line(result, problem))
        count += len(problems)
        if not problems and result.course is not None:
            course = result.course
            echo(
                f"{result.directory}: ok ({len(course.lessons)} lessons, "
                f"{course.quiz_count} quizzes, {len(course.exercises)} exercises)"
            )
    return count
