"""Where one quick grading's time goes inside the runner, with and without primed slots.

Grades supervised-1/softmax's reference one at a time (a pause between gradings: a learner at
idle) on one worker slot, timing each phase of ``Runner.grade`` by wrapping the functions that
do it: taking a grader host, its ready answer, the cgroup slot's preparation, the run's spawn,
each judge request by kind (``load`` includes the learner's setup in its sandbox: joining the
slot's cgroup, mounts, limits), the grader's questions (``relay``), the run's end
(``live.finish``: exit status, output closed) and the slot's accounting. Two settings,
interleaved:
  primed slots   - a free slot holds a spare of the zygote that ran in it (the default);
  unprimed       - ``Sandbox._prime`` disabled: each run's learner joins its slot's cgroup
                   when asked for, which waits for an RCU grace period on cgroup v1.
Usage: python bench/grading_phases.py [--runs N] [--think S]
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import statistics
import time
from pathlib import Path
from typing import Any

import feynlab.grading.runner as runner_module
from feynlab.courses.find import find_exercise
from feynlab.grading.grader_process import GraderHost
from feynlab.grading.runner import HostSpares, Runner
from feynlab.sandbox.cgroups import CgroupSlots
from feynlab.sandbox.pool import Sandbox
from feynlab.sandbox.run import LiveRun
from feynlab.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PHASES: dict[str, float] = {}


def _timed(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            PHASES[label] = PHASES.get(label, 0.0) + time.perf_counter() - start

    setattr(owner, name, wrapper)


def _timed_requests() -> None:
    original = LiveRun.request

    def request(self: LiveRun, message: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(self, message, *args, **kwargs)
        finally:
            label = f"request {message.get('op', '?')}"
            PHASES[label] = PHASES.get(label, 0.0) + time.perf_counter() - start

    LiveRun.request = request  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.5)
    args = parser.parse_args()
    _timed(HostSpares, "take", "host taken")
    _timed(runner_module, "wait_ready", "host ready")
    _timed(CgroupSlots, "prepare", "slot prepared")
    _timed(LiveRun, "__init__", "spawn")
    _timed_requests()
    _timed(runner_module, "relay", "relay (grader's questions)")
    _timed(LiveRun, "finish", "run's end")
    _timed(CgroupSlots, "usage", "slot accounting")
    _timed(GraderHost, "stop", "host stopped")
    _timed(runner_module, "classify", "classify")
    courses = REPO / "courses"
    exercise = find_exercise(courses, "supervised-1/softmax").gradable()
    code = (exercise.directory / "solution.py").read_text()
    # one slot: the run before each measured one is the one that left the slot as it is
    settings = Settings(
        env="test", secret_key="bench-secret-key-0123456789", courses_dir=courses, workers=1
    )
    prime = Sandbox._prime
    settings_cases = {"primed slots": prime, "unprimed": lambda *a, **k: None}
    totals: dict[str, list[float]] = {name: [] for name in settings_cases}
    phases: dict[str, dict[str, list[float]]] = {
        name: collections.defaultdict(list) for name in settings_cases
    }
    with Runner(settings) as runner:
        runner.sandbox.warm("numpy")
        for _ in range(3):  # warm-up: a spare grader host, spares in the slots
            runner.grade(exercise=exercise, code=code)
        for _ in range(args.runs):
            for name, primer in settings_cases.items():
                Sandbox._prime = primer  # type: ignore[method-assign]
                runner.grade(exercise=exercise, code=code)  # leaves this setting's slot state
                time.sleep(args.think)
                PHASES.clear()
                start = time.perf_counter()
                verdict = runner.grade(exercise=exercise, code=code)
                totals[name].append(time.perf_counter() - start)
                assert verdict.status == "passed", verdict
                for label, seconds in PHASES.items():
                    phases[name][label].append(seconds)
        Sandbox._prime = prime  # type: ignore[method-assign]
    load = os.getloadavg()
    print(
        f"supervised-1/softmax, Runner.grade, {args.runs} gradings per setting, interleaved, "
        f"{args.think} s between gradings, load average {load[0]:.2f} {load[1]:.2f}\n"
    )
    names = list(settings_cases)
    print(f"| phase (p50 ms) | {' | '.join(names)} |")
    print(f"|---|{'---:|' * len(names)}")
    labels = list(dict.fromkeys(label for name in names for label in phases[name]))
    for label in labels:
        cells = [f"{1000 * statistics.median(phases[name][label]):.1f}" for name in names]
        print(f"| {label} | {' | '.join(cells)} |")
    cells = [f"**{1000 * statistics.median(totals[name]):.1f}**" for name in names]
    print(f"| **grading** | {' | '.join(cells)} |")
    base = statistics.median(totals["unprimed"])
    print(f"\nprimed slots: {base / statistics.median(totals['primed slots']):.2f}x faster")


if __name__ == "__main__":
    main()
