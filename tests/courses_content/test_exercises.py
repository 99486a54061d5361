"""Every exercise proves itself through the real sandbox and its grader: the reference passes,
the starter fails, and each wrong or cheating solution fails with feedback."""

from __future__ import annotations

from pathlib import Path

import pytest

from feynlab.courses.find import find_exercise
from feynlab.courses.prove import BASELINE, what_it_skips
from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import Fault

from .conftest import COURSES_DIR, SLOW, WRONG_DIR, exercises, marked

pytestmark = pytest.mark.sandbox


def _grade(runner: Runner, target: str, path: Path):  # type: ignore[no-untyped-def]
    exercise = find_exercise(COURSES_DIR, target).gradable()
    return runner.grade(exercise=exercise, code=path.read_text())


@pytest.mark.parametrize("target", marked(exercises()))
def test_reference_passes(course_runner: Runner, target: str) -> None:
    verdict = _grade(
        course_runner, target, COURSES_DIR / target.replace("/", "/exercises/") / "solution.py"
    )
    assert verdict.status == "passed", (verdict.status, verdict.feedback, verdict.error)
    print(f"{target}: score {verdict.score:.4f} in {verdict.duration_s:.1f} s")


@pytest.mark.parametrize("target", marked(exercises()))
def test_starter_fails(course_runner: Runner, target: str) -> None:
    verdict = _grade(
        course_runner, target, COURSES_DIR / target.replace("/", "/exercises/") / "starter.py"
    )
    assert verdict.status in ("failed", "error"), (verdict.status, verdict.feedback)
    assert verdict.fault == Fault.learner
    assert verdict.feedback


def _wrong_solutions() -> list:
    params = []
    for target in exercises():
        for path in sorted((WRONG_DIR / target).glob("*.py")):
            marks = [pytest.mark.slow] if target in SLOW else []
            params.append(pytest.param(target, path, marks=marks, id=f"{target}/{path.stem}"))
    return params


@pytest.mark.parametrize(("target", "path"), _wrong_solutions())
def test_wrong_solution_fails_with_feedback(course_runner: Runner, target: str, path: Path) -> None:
    verdict = _grade(course_runner, target, path)
    # A grade the learner's code earned: a fault of the grader or ours is not "failing".
    assert verdict.fault == Fault.learner, (verdict.status, verdict.fault, verdict.staff)
    assert verdict.status != "passed", (verdict.status, verdict.score, verdict.feedback)
    assert verdict.feedback


def test_at_least_three_wrong_solutions_per_exercise() -> None:
    for target in exercises():
        wrong = [p for p in (WRONG_DIR / target).glob("*.py") if p.name != BASELINE]
        assert len(wrong) >= 3, target


def test_every_exercise_has_a_baseline_that_says_what_it_skips() -> None:
    """The simplest solution that skips the lesson's idea (graded above, like the wrong ones,
    and by `feynlab courses check`, which shows it in its own column)."""
    for target in exercises():
        path = WRONG_DIR / target / BASELINE
        assert path.is_file(), f"{target} has no {BASELINE}"
        skips = what_it_skips(path.read_text())
        assert skips and skips.startswith("Skips"), (target, skips)
