"""The cost of running graders in a grader host of their own (issue 13 item 12).

Interleaves N quick gradings of supervised-1/softmax through ``Runner.grade`` with the grader
in the worker (the runner of commit 461d324's parent, read from git) and in its grader host
(now), on one warm sandbox each, and prints both and the paired difference:

    KERAS_BACKEND=torch .venv/bin/python bench/grader_host.py 20
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from feynlab.courses.find import find_exercise
from feynlab.grading.runner import Runner
from feynlab.settings import get_settings

BEFORE = "461d324~1"


def old_runner_module():  # type: ignore[no-untyped-def]
    source = subprocess.run(
        ["git", "show", f"{BEFORE}:src/feynlab/grading/runner.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_runner.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(n: int) -> None:
    settings = get_settings()
    ex = find_exercise(settings.courses_dir, "supervised-1/softmax").gradable()
    code = (ex.directory / "solution.py").read_text()
    times: dict[str, list[float]] = {"in-worker": [], "grader-host": []}
    with (
        old_runner_module().Runner(settings, workers=1) as before,
        Runner(settings, workers=1) as after,
    ):
        before.sandbox.warm()
        after.sandbox.warm()
        for r in (before, after, before, after):
            assert r.grade(exercise=ex, code=code).status == "passed"
        for _ in range(n):
            for name, r in (("in-worker", before), ("grader-host", after)):
                t = time.perf_counter()
                verdict = r.grade(exercise=ex, code=code)
                times[name].append(time.perf_counter() - t)
                assert verdict.status == "passed", verdict
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.3f} s, mean {statistics.mean(ts):.3f} s")
    paired = [b - a for a, b in zip(times["in-worker"], times["grader-host"], strict=True)]
    print(f"added per grading (paired): median {statistics.median(paired):.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
