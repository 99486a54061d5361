"""How long a verdict waits after the grader has concluded: taken before the learner's exit,
after it, or after it and the slot's tidying.

Grades an exercise's reference (default supervised-1/mnist-classifier: a Keras run whose
page cache and memory take the longest to give back) through ``Runner.grade`` on one worker
slot, and times the tail: from the grader's conclusion (``relay`` returns) to the verdict
(``grade`` returns). Three settings, interleaved:
  before the exit    - the outcome is taken once the harness has answered ``finish`` and closed
                       its output (``LiveRun.conclude``); the learner's exit and the slot's
                       tidying are waited for in the background (the default);
  after the exit     - ``conclude`` disabled: the verdict waits for the exit status (stop 22);
  after the tidying  - and the slot's tidying (nothing left in it, memory reclaimed, a spare
                       joined) runs on the grading's path too, as before stop 22.
Usage: python bench/verdict_tail.py [--exercise course/slug] [--runs N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feynlab.grading.runner as runner_module
from feynlab.courses.find import find_exercise
from feynlab.grading.runner import Runner
from feynlab.sandbox.run import LiveRun
from feynlab.settings import Settings

REPO = Path(__file__).resolve().parents[1]


class _Inline:
    """An executor that runs what it is given at once, on the caller's thread."""

    def submit(self, fn: Callable[..., None], *args: Any) -> concurrent.futures.Future[None]:
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        fn(*args)
        future.set_result(None)
        return future

    def shutdown(self, wait: bool = True) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exercise", default="supervised-1/mnist-classifier")
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    concluded: list[float] = []
    relay = runner_module.relay

    def timed_relay(*a: Any, **k: Any) -> Any:
        try:
            return relay(*a, **k)
        finally:
            concluded.append(time.perf_counter())

    runner_module.relay = timed_relay  # type: ignore[assignment]
    courses = REPO / "courses"
    exercise = find_exercise(courses, args.exercise).gradable()
    code = (exercise.directory / "solution.py").read_text()
    settings = Settings(
        env="test", secret_key="bench-secret-key-0123456789", courses_dir=courses, workers=1
    )
    settings_ = ("before the exit", "after the exit", "after the tidying")
    tails: dict[str, list[float]] = {name: [] for name in settings_}
    conclude = LiveRun.conclude
    with Runner(settings) as runner:
        sandbox = runner.sandbox
        background = sandbox._tidier
        runner.grade(exercise=exercise, code=code)  # warm-up: the zygote, a spare grader host
        for _ in range(args.runs):
            for name in tails:
                sandbox.settle()
                inline = name == "after the tidying"
                sandbox._tidier = _Inline() if inline else background  # type: ignore[assignment]
                LiveRun.conclude = (  # type: ignore[method-assign]
                    conclude if name == "before the exit" else lambda self, used, **_: None
                )
                concluded.clear()
                verdict = runner.grade(exercise=exercise, code=code)
                end = time.perf_counter()
                assert verdict.status == "passed", verdict
                tails[name].append(end - concluded[-1])
        sandbox.settle()
        sandbox._tidier = background
        LiveRun.conclude = conclude  # type: ignore[method-assign]
    load = os.getloadavg()
    print(
        f"{args.exercise}, Runner.grade, {args.runs} gradings per setting, interleaved, "
        f"load average {load[0]:.2f} {load[1]:.2f}\n"
    )
    print("| verdict taken | conclusion to verdict, p50 ms | each (ms) |")
    print("|---|---:|---|")
    for name, values in tails.items():
        each = ", ".join(f"{1000 * v:.0f}" for v in values)
        print(f"| {name} | {1000 * statistics.median(values):.1f} | {each} |")
    now = statistics.median(tails["before the exit"])
    for name in settings_[1:]:
        ratio = statistics.median(tails[name]) / now
        print(f"before the exit against {name}: {ratio:.2f}x shorter")


if __name__ == "__main__":
    main()
