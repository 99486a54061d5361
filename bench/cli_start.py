"""Start-up: a cold `feynlab grade`, and the first verdict after `feynlab serve` is launched.

Each round, interleaved (the machine's speed drifts, so ratios compare within a round):
  grade numpy  - `feynlab grade supervised-1/softmax solution.py` from a cold CLI: the solution
                 imports only NumPy, so it forks from the small NumPy zygote;
  grade keras  - the same solution with `import keras` added at its top: it needs the full
                 zygote (the ML stack), which is what every grading started before profiles;
  serve first  - seconds from launching `feynlab serve` (embedded queue, fresh SQLite database)
                 to the softmax verdict of a submission POSTed as soon as the API answers.
Usage: python bench/cli_start.py [--rounds N] [--no-serve]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_e2e import FEYNLAB, Stack, pick_exercise  # noqa: E402


def cold_grade(target: str, solution: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEYNLAB_")}
    env.update(FEYNLAB_ENV="test", FEYNLAB_SECRET_KEY="bench-secret-key-0123456789")
    for key in ("FEYNLAB_DATA_DIR", "FEYNLAB_UNSAFE_NO_SANDBOX", "FEYNLAB_COURSES_DIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    start = time.perf_counter()
    done = subprocess.run(
        [FEYNLAB, "grade", target, str(solution), "--json"], env=env, capture_output=True
    )
    took = time.perf_counter() - start
    verdict = json.loads(done.stdout or b"{}")
    if verdict.get("status") != "passed":
        raise SystemExit(f"feynlab grade gave {verdict or done.stderr[-800:]!r}")
    return took


class TimedStack(Stack):
    """A Stack that notes when `feynlab serve` was launched."""

    launched = 0.0

    def _spawn(self, argv: list[str], log: str) -> None:
        if argv[1] == "serve":
            self.launched = time.perf_counter()
        super()._spawn(argv, log)


def serve_first_verdict(courses: Path, course: str, exercise: str, code: str) -> float:
    with tempfile.TemporaryDirectory(prefix="feynlab-bench-start-") as tmp:
        stack = TimedStack(queue="embedded", courses=courses, workdir=Path(tmp), broker="")
        try:
            headers = stack.learners(1)[0]
            url = f"{stack.base}/api/courses/{course}/exercises/{exercise}/submissions"
            with httpx.Client(base_url=stack.base, timeout=120) as client:
                r = client.post(url, json={"code": code}, headers=headers)
                r.raise_for_status()
                with client.stream("GET", r.json()["events_url"], headers=headers) as stream:
                    for line in stream.iter_lines():
                        if line.startswith("data:") and '"verdict"' in line:
                            event = json.loads(line[5:])
                            if event["type"] == "verdict":
                                if event["status"] != "passed":
                                    raise SystemExit(f"serve gave {event['status']}")
                                return time.perf_counter() - stack.launched
            raise SystemExit("the event stream ended without a verdict")
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-serve", action="store_true")
    args = parser.parse_args()
    courses, course, exercise = pick_exercise()
    solution = courses / course / "exercises" / exercise / "solution.py"
    code = solution.read_text()
    keras_code = "import keras  # noqa: F401 -- asks for the full zygote\n" + code
    figures: dict[str, list[float]] = {"grade numpy": [], "grade keras": []}
    if not args.no_serve:
        figures |= {"serve first (numpy)": [], "serve first (keras)": []}
    with tempfile.TemporaryDirectory(prefix="feynlab-bench-cli-") as tmp:
        keras_file = Path(tmp) / "solution.py"
        keras_file.write_text(keras_code)
        target = f"{course}/{exercise}"
        os.environ.setdefault("FEYNLAB_COURSES_DIR", str(courses))
        for i in range(args.rounds):
            figures["grade numpy"].append(cold_grade(target, solution))
            figures["grade keras"].append(cold_grade(target, keras_file))
            if not args.no_serve:
                figures["serve first (numpy)"].append(
                    serve_first_verdict(courses, course, exercise, code)
                )
                figures["serve first (keras)"].append(
                    serve_first_verdict(courses, course, exercise, keras_code)
                )
            print(f"round {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in figures.items()))
    load = os.getloadavg()
    print(f"\n{target}, {args.rounds} rounds, load average {load[0]:.2f} {load[1]:.2f}")
    for name, values in figures.items():
        print(f"{name:22s} median {statistics.median(values):6.2f} s  (min {min(values):.2f})")
    ratio = statistics.median(figures["grade keras"]) / statistics.median(figures["grade numpy"])
    print(f"cold `feynlab grade`: the NumPy zygote {ratio:.1f}x faster than the full one")


if __name__ == "__main__":
    main()
