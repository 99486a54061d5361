"""One quick grading inside the runner (no HTTP, no queue), before and after issue 17's levers.

Grades supervised-1/softmax's reference solution one at a time with a pause between gradings (a
learner at idle), interleaved in one run under four settings:
  full zygote, host started per grading - what every grading did before issue 17;
  full zygote, spare grader host;
  NumPy zygote, host started per grading;
  NumPy zygote, spare grader host - the default now.
The full zygote is forced by adding `import keras` to the solution (already loaded there).
Usage: python bench/quick_grading.py [--runs N] [--think S]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from feynlab.courses.find import find_exercise
from feynlab.grading.runner import HostSpares, Runner
from feynlab.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.5)
    args = parser.parse_args()
    courses = REPO / "courses"
    exercise = find_exercise(courses, "supervised-1/softmax").gradable()
    code = (exercise.directory / "solution.py").read_text()
    settings = Settings(env="test", secret_key="bench-secret-key-0123456789", courses_dir=courses)
    cases = {
        "full zygote, host per grading": ("import keras  # noqa\n" + code, 0),
        "full zygote, spare host": ("import keras  # noqa\n" + code, HostSpares.MAX_KEYS),
        "NumPy zygote, host per grading": (code, 0),
        "NumPy zygote, spare host (now)": (code, HostSpares.MAX_KEYS),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    with Runner(settings) as runner:
        runner.sandbox.warm("numpy", "keras")
        for source, keys in cases.values():  # warm-up
            runner.hosts.MAX_KEYS = keys
            runner.grade(exercise=exercise, code=source)
        for _ in range(args.runs):
            for name, (source, keys) in cases.items():
                runner.hosts.MAX_KEYS = keys  # 0: no spare is kept
                runner.grade(exercise=exercise, code=source)  # leaves a spare when kept
                time.sleep(args.think)
                start = time.perf_counter()
                verdict = runner.grade(exercise=exercise, code=source)
                times[name].append(time.perf_counter() - start)
                assert verdict.status == "passed", verdict
    load = os.getloadavg()
    print(
        f"supervised-1/softmax, {args.runs} runs each, {args.think} s between gradings, "
        f"load average {load[0]:.2f} {load[1]:.2f}"
    )
    base = statistics.median(times["full zygote, host per grading"])
    for name, values in times.items():
        p50 = statistics.median(values)
        print(
            f"{name:34s} p50 {p50 * 1000:6.1f} ms  min {min(values) * 1000:6.1f} ms  "
            f"{base / p50:4.1f}x"
        )


if __name__ == "__main__":
    main()
