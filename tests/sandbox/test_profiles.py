"""Zygote profiles: a run forks from the smallest warm zygote that preloads what it imports,
and code that imports more than its zygote preloaded still runs (it imports it itself)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from feynlab.courses.find import find_exercise
from feynlab.grading.exercise import GradableExercise
from feynlab.grading.runner import Runner
from feynlab.sandbox.zygote import profile_of

from .conftest import COURSES, SOLUTION

pytestmark = pytest.mark.sandbox


@pytest.mark.parametrize(
    ("code", "declared", "profile"),
    [
        ("import numpy as np\nx = np.zeros(3)\n", None, "numpy"),
        ("print('hi')\n", None, "numpy"),
        ("from sklearn.cluster import KMeans\n", None, "sklearn"),
        ("import matplotlib.pyplot as plt\n", None, "sklearn"),
        ("def f():\n    import torch.nn as nn\n", None, "keras"),
        ("import numpy\nfrom keras import layers\nimport scipy\n", None, "keras"),
        ("import numpy\n", "sklearn", "sklearn"),  # the exercise's declaration is a floor
        ("import keras\n", "numpy", "keras"),
        ("def broken(:\n  import keras\n", None, "numpy"),  # fails at once anyway
        ("from .keras import x\nimport kerasx\n", None, "numpy"),
    ],
)
def test_the_profile_follows_the_imports(code: str, declared: str | None, profile: str) -> None:
    assert profile_of(code, declared=declared) == profile


def test_a_numpy_exercise_forks_from_the_small_zygote(
    runner: Runner, exercise: GradableExercise
) -> None:
    verdict = runner.grade(exercise=exercise, code=SOLUTION)
    assert verdict.status == "passed", verdict
    zygotes = {p: runner.sandbox.zygote_process(p) for p in ("numpy", "keras")}
    # the NumPy zygote holds a fraction of the full ML stack's memory
    assert zygotes["numpy"].rss_mb * 3 < zygotes["keras"].rss_mb, {
        p: z.rss_mb for p, z in zygotes.items()
    }


def test_a_cell_importing_keras_on_the_numpy_zygote_still_works(runner: Runner) -> None:
    # no import statement a parser sees: the run forks from the NumPy zygote, imports Keras itself
    code = (
        "keras = __import__('ker' + 'as')\n"
        "mnist = __import__('importlib').import_module('keras.datasets.mnist')\n"
        "print('units', keras.layers.Dense(3).units)\n"
        "print(mnist.load_data.__doc__)\n"
    )
    assert profile_of(code) == "numpy"
    result = runner.run_code(code=code, limits={"cpu_s": 60, "wall_s": 90})
    assert result.status == "ok", (result.status, result.error, result.output[-800:])
    assert "units 3" in result.output
    assert "Feynlab's local copy" in result.output  # the datasets are offline there too


def test_a_declared_profile_is_recorded_with_the_submission(exercise: GradableExercise) -> None:
    import dataclasses

    declared = dataclasses.replace(exercise, zygote="sklearn")
    spec = declared.spec()
    assert spec["zygote"] == "sklearn"
    again = GradableExercise.from_spec(
        courses_dir=exercise.directory.parents[2], course="testcourse", slug="add", spec=spec
    )
    assert again.zygote == "sklearn"
    assert "zygote" not in exercise.spec()  # older submissions' specs stay as they were


def _course_with(tmp_path: Path, line: str) -> Path:
    courses = tmp_path / "courses"
    shutil.copytree(COURSES, courses)
    yaml = courses / "testcourse" / "exercises" / "add" / "exercise.yaml"
    yaml.write_text(yaml.read_text() + line + "\n")
    return courses


def test_exercise_yaml_declares_its_zygote(tmp_path: Path) -> None:
    courses = _course_with(tmp_path, "zygote: sklearn")
    gradable = find_exercise(courses, "testcourse/add").gradable()
    assert gradable.zygote == "sklearn"
    assert gradable.spec()["zygote"] == "sklearn"


def test_an_unknown_zygote_is_a_clear_error_of_courses_check(tmp_path: Path) -> None:
    courses = _course_with(tmp_path, "zygote: tensorflow")
    done = subprocess.run(
        [sys.executable, "-m", "feynlab.cli", "courses", "check", str(courses)],
        capture_output=True,
        text=True,
        env={**os.environ, "FEYNLAB_COURSES_DIR": str(courses)},
    )
    assert done.returncode != 0
    report = done.stdout + done.stderr
    assert "zygote" in report and "exercise.yaml" in report, report
