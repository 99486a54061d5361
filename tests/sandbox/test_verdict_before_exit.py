"""The verdict does not wait for the learner's process to exit: once the grader has its answers
and the harness has answered ``finish`` (its output closed), the outcome is taken at once (the
output as printed, the CPU and memory used until then) and the process's exit, which can take
tens of milliseconds for a large one, is waited for afterwards, with the slot's tidying."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.runner import Runner
from feynlab.settings import Settings
from tests.sandbox.conftest import SOLUTION, wait_for, zygote_pid

pytestmark = [pytest.mark.sandbox]

# A learner whose process lingers after the grader is done: the harness ends with os._exit.
LINGERING = (
    SOLUTION
    + """
import os
import time

print("trained", flush=True)
_exit = os._exit


def _linger(code):
    time.sleep(30)
    _exit(code)


os._exit = _linger
"""
)


@pytest.fixture
def one_slot(sandbox_settings: Settings) -> Iterator[Runner]:
    with Runner(sandbox_settings.model_copy(update={"workers": 1})) as r:
        r.sandbox.warm("numpy")
        yield r


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(k) for k in f.read().split()]


def test_the_verdict_comes_while_the_learner_is_still_exiting(
    one_slot: Runner, exercise: GradableExercise
) -> None:
    verdict = one_slot.grade(exercise=exercise, code=LINGERING)
    zygote = zygote_pid(one_slot.sandbox.zygote_process("numpy"))
    # the graded run is still there (it lingers 30 s; the run's end kills it after a grace),
    # beside the zygote's spare: the verdict did not wait for it
    lingering = len(_children(zygote)) == 2 or wait_for(lambda: len(_children(zygote)) == 2)
    assert verdict.status == "passed", (verdict.status, verdict.feedback, verdict.output)
    assert lingering, _children(zygote)
    assert "trained" in verdict.output  # what it printed before the grader's end is all there
    assert verdict.resources.cpu_s > 0 and verdict.resources.max_rss_mb > 0
    one_slot.sandbox.settle()  # the run's end: killed after its grace, the slot tidied
    assert wait_for(lambda: len(_children(zygote)) == 1), _children(zygote)
    assert one_slot.grade(exercise=exercise, code=SOLUTION).status == "passed"
