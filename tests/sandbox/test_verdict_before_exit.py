"""The verdict does not wait for the learner's process to exit: once the grader has its answers
and the harness has answered ``finish`` (its output closed), the outcome is taken at once (the
output as printed, the CPU and memory used until then) and the process's exit, which can take
tens of milliseconds for a large one, is waited for afterwards, with the slot's tidying."""

from __future__ import annotations

import pytest

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.runner import Runner
from tests.sandbox.conftest import SOLUTION, children, wait_for, zygote_pid

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


def test_the_verdict_comes_while_the_learner_is_still_exiting(
    numpy_runner: Runner, exercise: GradableExercise
) -> None:
    verdict = numpy_runner.grade(exercise=exercise, code=LINGERING)
    zygote = zygote_pid(numpy_runner.sandbox.zygote_process("numpy"))
    spares = numpy_runner.sandbox.settings.workers
    # the graded run is still there (it lingers 30 s; the run's end kills it after a grace),
    # beside the zygote's spares: the verdict did not wait for it
    lingering = wait_for(lambda: len(children(zygote)) == spares + 1)
    assert verdict.status == "passed", (verdict.status, verdict.feedback, verdict.output)
    assert lingering, children(zygote)
    assert "trained" in verdict.output  # what it printed before the grader's end is all there
    assert verdict.resources.cpu_s > 0 and verdict.resources.max_rss_mb > 0
    numpy_runner.sandbox.settle()  # the run's end: killed after its grace, the slot tidied
    assert wait_for(lambda: len(children(zygote)) == spares), children(zygote)
    assert numpy_runner.grade(exercise=exercise, code=SOLUTION).status == "passed"
