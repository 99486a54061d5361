"""Garbage on the judge's channel, through `feynlab run` and `feynlab grade` as a learner sends it.

Each attack once hung a grading worker for good, or held it for the whole wall limit: the run
must now end at once as the learner's protocol error, with the trusted side's waits bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from feynlab.grading.exercise import GradableExercise, PassBar
from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import Fault

from .conftest import ATTACKS, COURSES
from .host_access import readable_by_the_grader_host

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
FEYNLAB = [sys.executable, "-m", "feynlab.cli"]
T = TypeVar("T")
PROMPTLY_S = 10.0  # the wall limit is 30 s (cell) and 5 s (testcourse/add): well under either


def _feynlab(*args: str, data_dir: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "FEYNLAB_COURSES_DIR": str(COURSES), "FEYNLAB_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    done = subprocess.run([*FEYNLAB, *args], capture_output=True, text=True, env=env, timeout=150)
    return done, time.monotonic() - started


GARBAGE = [
    "channel_infinity",  # "epoch": Infinity
    "channel_big_number",  # a 400-digit number
    "channel_deep_header",  # 200,000 deep (over the header cap)
    "channel_deep_small",  # 20,000 deep (under the cap: the parser's recursion)
    "channel_announce",  # 511 MB announced, nothing sent
    "channel_flood",  # 500 MB frames
]


def _bounded(fn: Callable[[], T], limit_s: float = 60.0) -> T:
    """``fn()``, failing the test (not hanging the suite) if it does not return in time."""
    box: list[T] = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(limit_s)
    assert box, f"still waiting after {limit_s:g} s: the trusted side hangs"
    return box[0]


def test_a_cell_writing_infinity_on_the_channel_ends_at_once(sandbox_settings) -> None:  # type: ignore[no-untyped-def]
    done, _ = _feynlab(
        "run", str(ATTACKS / "channel_infinity.py"), "--json", data_dir=sandbox_settings.data_dir
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "error" and result["fault"] == Fault.learner, result
    assert "unreadable on the platform's own channel" in result["error"]  # a cell: no grader
    assert result["duration_s"] < PROMPTLY_S, result


@pytest.mark.parametrize("attack", GARBAGE)
def test_garbage_on_the_channel_ends_a_cell_at_once(attack: str, runner: Runner) -> None:
    code = (ATTACKS / f"{attack}.py").read_text()
    result = _bounded(lambda: runner.run_code(code=code))
    assert result.status == "error", result
    assert result.fault == Fault.learner
    assert "unreadable on the platform's own channel" in (result.error or "")
    assert result.duration_s < PROMPTLY_S, result


def test_an_array_of_shape_0_by_10_to_the_30_is_the_learners_verdict(sandbox_settings) -> None:  # type: ignore[no-untyped-def]
    done, _ = _feynlab(
        "grade",
        "testcourse/add",
        str(ATTACKS / "reply_huge_shape.py"),
        "--json",
        data_dir=sandbox_settings.data_dir,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["status"] == "error", verdict
    assert verdict["fault"] == Fault.learner
    assert "connection with the grader" in verdict["feedback"]
    assert verdict["duration_s"] < PROMPTLY_S


def test_garbage_while_grading_is_the_learners_verdict(runner: Runner, exercise) -> None:  # type: ignore[no-untyped-def]
    code = (ATTACKS / "channel_infinity.py").read_text()
    verdict = _bounded(lambda: runner.grade(exercise=exercise, code=code))
    assert verdict.status == "error" and verdict.fault == Fault.learner, verdict
    assert "connection with the grader" in verdict.feedback
    assert verdict.duration_s < PROMPTLY_S


FLOAT_GRADER = """
from feynlab.grading.result import Result


def grade(judge):
    got = judge.call("add", 1, 2)
    if hasattr(got, "shape"):
        ok = got.shape == (1,)
    elif isinstance(got, int | float):
        ok = float(got) == 3.0
    else:
        ok = False
    return Result(score=float(ok), passed=bool(ok), feedback="checked")
"""


def _exercise(tmp_path: Path) -> GradableExercise:
    (tmp_path / "grader.py").write_text(FLOAT_GRADER)
    readable_by_the_grader_host(tmp_path)
    return GradableExercise(
        course="tests",
        slug=tmp_path.name.replace("_", "-").lower(),
        directory=tmp_path,
        entrypoint="add",
        pass_bar=PassBar("score", 1.0),
        limits={"wall_s": 10},
    )


def test_a_400_digit_answer_is_the_learners_error_said_plainly(
    runner: Runner, tmp_path: Path
) -> None:
    code = (ATTACKS / "reply_big_int.py").read_text()
    verdict = runner.grade(exercise=_exercise(tmp_path), code=code)
    assert verdict.fault == Fault.learner, verdict
    assert verdict.status == "error"
    assert "too large to send to the grader" in (verdict.error or "")
    assert "feynlab" not in (verdict.error or "") and "/" not in (verdict.error or "")


def test_an_array_with_an_absurd_dimension_is_the_learners_error(
    runner: Runner, tmp_path: Path
) -> None:
    code = (ATTACKS / "reply_empty_wide.py").read_text()
    # several times: the host refuses the reply while it is still being sent, and the broken
    # pipe that leaves was once taken for the grader's fault in about every other grading
    for i in range(4):
        folder = tmp_path / f"try{i}"
        folder.mkdir()
        verdict = runner.grade(exercise=_exercise(folder), code=code)
        assert verdict.fault == Fault.learner, verdict
        assert verdict.status == "error"
        assert "could not read" in verdict.feedback


def test_a_list_too_long_for_a_message_asks_for_an_array(runner: Runner, tmp_path: Path) -> None:
    code = "def add(a, b):\n    return [0.123456789] * 100_000\n"
    verdict = runner.grade(exercise=_exercise(tmp_path), code=code)
    assert verdict.fault == Fault.learner and verdict.status == "error", verdict
    assert "return a NumPy array instead" in (verdict.error or "")


def test_a_nan_answer_crosses_as_nan(runner: Runner, tmp_path: Path) -> None:
    code = "def add(a, b):\n    return float('nan')\n"
    verdict = runner.grade(exercise=_exercise(tmp_path), code=code)
    assert verdict.status == "failed" and verdict.fault == Fault.learner, verdict


def test_replies_nobody_asked_for_end_the_run(runner: Runner, tmp_path: Path) -> None:
    code = (ATTACKS / "channel_unsolicited.py").read_text()
    started = time.monotonic()
    verdict = runner.grade(exercise=_exercise(tmp_path), code=code)
    assert time.monotonic() - started < PROMPTLY_S
    assert verdict.fault == Fault.learner, verdict
    assert verdict.status in ("error", "failed")
