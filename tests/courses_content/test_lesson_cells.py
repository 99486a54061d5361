"""Every ```python cell of every lesson runs in the real sandbox, within the default limits a
learner's cell gets, without an error."""

from __future__ import annotations

import pytest
import yaml

from feynlab.grading.runner import Runner

from .conftest import COURSES, COURSES_DIR
from .test_structure import lesson_parts

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def cells() -> list:
    params = []
    for course in COURSES:
        spec = yaml.safe_load((COURSES_DIR / course / "course.yaml").read_text())
        for lesson in spec["lessons"]:
            for i, code in enumerate(lesson_parts(course, lesson)[1]["python"]):
                params.append(pytest.param(code, id=f"{course}/{lesson}/{i}"))
    return params


@pytest.mark.parametrize("code", cells())
def test_cell_runs(course_runner: Runner, code: str) -> None:
    result = course_runner.run_code(code=code)
    assert result.status == "ok", (result.status, result.error, result.output[-2000:])
    print(f"{result.duration_s:.1f} s")
