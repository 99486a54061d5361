"""Remote handles and ``judge.new`` through the real sandbox: objects stay inside, calls cross."""

from __future__ import annotations

from pathlib import Path

import pytest

from feynlab.grading.exercise import GradableExercise, PassBar
from feynlab.grading.judge import ALLOWED_OBJECTS
from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import Fault

from .host_access import readable_by_the_grader_host

pytestmark = pytest.mark.sandbox

GRADER = """
from feynlab.grading.result import Result


def grade(judge):
    counter = judge.call("make_counter", 5)
    bumped = [counter.bump(2), counter.bump(3)]
    total = judge.call("read", counter)  # a handle passed back as an argument
    double = judge.call("make_policy")
    env = judge.new("feynlab.envs.snake:SnakeEnv", size=3)
    seen = judge.call("explore", env)
    refused = []
    for spec in ("os:system", "builtins:eval", "feynlab.envs.snake:SnakeEnv "):
        try:
            judge.new(spec, "echo pwned")
        except ValueError as exc:
            refused.append(str(exc))
    return Result(
        score=1.0,
        passed=True,
        artifacts={
            "type": counter.type_name,
            "bumped": bumped,
            "total": total,
            "double": double(21),
            "env_type": env.type_name,
            "seen": seen,
            "refused": refused,
        },
    )
"""

LEARNER = """
class Counter:
    def __init__(self, start):
        self.value = start

    def bump(self, by):
        self.value += by
        return self.value


def make_counter(start):
    return Counter(start)


def read(counter):
    return counter.value


def make_policy():
    return lambda x: 2 * x


def explore(env):
    obs, info = env.reset(seed=0)
    after, reward, terminated, truncated, info = env.step(1)
    return {
        "type": type(env).__module__ + "." + type(env).__name__,
        "size": env.size,
        "shape": list(obs.shape),
        "steps": int(not terminated) + 1,
    }
"""


def _exercise(tmp_path: Path, grader: str) -> GradableExercise:
    (tmp_path / "grader.py").write_text(grader)
    readable_by_the_grader_host(tmp_path)
    return GradableExercise(
        course="tests",
        slug=tmp_path.name.replace("_", "-").lower(),
        directory=tmp_path,
        entrypoint="make_counter",
        pass_bar=PassBar("score", 1.0),
        limits={"wall_s": 20},
    )


def test_handles_and_platform_objects_cross_the_pipe(runner: Runner, tmp_path: Path) -> None:
    verdict = runner.grade(exercise=_exercise(tmp_path, GRADER), code=LEARNER)
    assert verdict.status == "passed", (verdict.feedback, verdict.error, verdict.output)
    got = verdict.artifacts
    assert got["type"] == "Counter"
    assert got["bumped"] == [7, 10]
    assert got["total"] == 10  # the same object, kept inside the sandbox between calls
    assert got["double"] == 42
    assert got["env_type"] == "SnakeEnv"
    assert got["seen"]["type"] == "feynlab.envs.snake.SnakeEnv"
    assert got["seen"]["size"] == 3 and got["seen"]["shape"] == [3, 3]
    assert len(got["refused"]) == 3
    assert all("is not an object graders may create" in r for r in got["refused"])
    assert frozenset({"feynlab.envs.snake:SnakeEnv"}) == ALLOWED_OBJECTS


def test_a_grader_asking_for_a_disallowed_object_is_the_authors_fault(
    runner: Runner, tmp_path: Path
) -> None:
    grader = (
        "def grade(judge):\n"
        "    return judge.new('subprocess:Popen', ['touch', '/tmp/feynlab-pwned'])\n"
    )
    verdict = runner.grade(exercise=_exercise(tmp_path, grader), code=LEARNER)
    assert verdict.status == "infra-error" and verdict.fault == Fault.author
    assert verdict.staff is not None
    assert "subprocess:Popen is not an object graders may create" in (
        verdict.staff.grader_traceback or ""
    )
    assert "not yours" in verdict.feedback
    assert not Path("/tmp/feynlab-pwned").exists()


def test_a_handle_method_that_raises_is_the_learners_error(runner: Runner, tmp_path: Path) -> None:
    grader = "def grade(judge):\n    return judge.call('make_counter', 1).bump('x')\n"
    verdict = runner.grade(exercise=_exercise(tmp_path, grader), code=LEARNER)
    assert verdict.status == "error"
    error = verdict.error or ""
    assert 'File "solution.py", line 7, in bump' in error
    assert error.rstrip().splitlines()[-1].startswith("TypeError:")
    assert "feynlab" not in error and "harness" not in error
