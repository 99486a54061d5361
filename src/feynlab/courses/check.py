"""`feynlab courses check`: validate course folders and prove their exercises in the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from feynlab.courses.catalog import read_order
from feynlab.courses.loader import MANIFEST, LoadResult, load_all, load_course
from feynlab.courses.problems import Problem
from feynlab.courses.prove import prove_courses, table
from feynlab.settings import REPO_ROOT, get_settings

if TYPE_CHECKING:
    from feynlab.grading.runner import Runner

WRONG_SOLUTIONS = REPO_ROOT / "tests" / "courses_content"


def load_for_check(path: Path) -> list[LoadResult]:
    """One course when ``path`` holds a course.yaml, else every course folder inside it."""
    if (path / MANIFEST).is_file():
        return [load_course(path)]
    return load_all(path)


def report_line(result: LoadResult, problem: Problem) -> str:
    """``<course folder>/<file>:<line>: <message>``, clickable in editors and terminals."""
    where = result.directory / problem.file
    return (
        f"{where}:{problem.line}: {problem.message}"
        if problem.line
        else f"{where}: {problem.message}"
    )


def run_check(
    path: Path,
    *,
    prove: bool,
    echo: Callable[[str], None],
    wrong_dir: Path | None = None,
    runner: Runner | None = None,
) -> int:
    """Print every problem of the courses under ``path``; the number of problems found.

    With ``prove``, every exercise of the valid courses is also graded through the sandbox
    (see ``feynlab.courses.prove``); ``runner`` is made (and closed) here unless given."""
    if not path.is_dir():
        echo(f"{path}: not a folder")
        return 1
    results = load_for_check(path)
    if not results:
        echo(f"{path}: no course folders found")
        return 1
    count = 0
    if not (path / MANIFEST).is_file():  # a folder of courses: its catalog.yaml too
        for problem in read_order(path)[1]:
            where = path / problem.file
            echo(
                f"{where}:{problem.line}: {problem.message}"
                if problem.line
                else f"{where}: {problem.message}"
            )
            count += 1
    for result in results:
        for problem in result.problems:
            echo(report_line(result, problem))
        count += len(result.problems)
        if not result.problems and result.course is not None:
            course = result.course
            echo(
                f"{result.directory}: ok ({len(course.lessons)} lessons, "
                f"{course.quiz_count} quizzes, {len(course.exercises)} exercises)"
            )
    if prove:
        count += _prove(results, echo=echo, wrong_dir=wrong_dir or WRONG_SOLUTIONS, runner=runner)
    return count


def _prove(
    results: list[LoadResult],
    *,
    echo: Callable[[str], None],
    wrong_dir: Path,
    runner: Runner | None,
) -> int:
    valid = [r for r in results if r.course is not None]
    courses = [r.course for r in valid if r.course is not None]
    if not any(c.exercises for c in courses):
        return 0
    own = runner is None
    if runner is None:
        from feynlab.grading.runner import Runner as LocalRunner

        runner = LocalRunner(get_settings())
    try:
        echo(f"proving {sum(len(c.exercises) for c in courses)} exercise(s) in the sandbox...")
        proofs = prove_courses(courses, runner=runner, wrong_dir=wrong_dir)
    finally:
        if own:
            runner.close()
    by_course = {r.slug: r for r in valid}
    count = 0
    for proof in proofs:
        for problem in proof.problems:
            echo(report_line(by_course[proof.exercise.course], problem))
        count += len(proof.problems)
    for line in table(proofs):
        echo(line)
    return count
