"""Sandbox overhead: request to first output byte and to result, vs a cold `import keras`.

Prints a table: p50/p99 over N runs (default 200) of a file that imports keras and prints one
line, the cold start measured in the same run, the ratio, and runs per second with one run per
core. Usage: python bench/sandbox_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

from feynlab.grading.runner import Runner

CODE = "import keras\nprint('hello from keras', keras.__version__)\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def cold_start(repeat: int = 3) -> float:
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import keras"], check=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with Runner(workers=cores) as runner:
        runner.sandbox.warm()
        for _ in range(5):  # warm-up
            runner.run_code(code=CODE)
        first, total = [], []
        for _ in range(args.runs):
            seen: list[float] = []

            def first_event(event: dict, seen: list[float] = seen) -> None:
                if not seen:
                    seen.append(time.perf_counter())

            t = time.perf_counter()
            result = runner.run_code(code=CODE, on_event=first_event)
            total.append(time.perf_counter() - t)
            assert result.status == "ok" and seen, result
            first.append(seen[0] - t)
        # throughput: one run per core, back to back
        done = 0
        lock = threading.Lock()
        deadline = time.perf_counter() + 10.0

        def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                assert runner.run_code(code=CODE).status == "ok"
                with lock:
                    done += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(cores)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        rate = done / (time.perf_counter() - started)
    cold = cold_start()
    ms = 1000
    print(
        f"sandbox overhead, {args.runs} runs, {cores} cores (file: import keras + print one line)"
    )
    print(f"{'measure':<34}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'request -> first output byte':<34}{percentile(first, 50) * ms:>10.1f}"
        f"{percentile(first, 99) * ms:>10.1f}"
    )
    print(
        f"{'request -> result':<34}{percentile(total, 50) * ms:>10.1f}"
        f"{percentile(total, 99) * ms:>10.1f}"
    )
    label = 'cold python -c "import keras"'
    print(f"{label:<34}{cold * ms:>10.1f}")
    print(f"{'cold / warm first byte (p50)':<34}{cold / percentile(first, 50):>10.1f}x")
    print(f"{'runs per second, one per core':<34}{rate:>10.1f}")


if __name__ == "__main__":
    main()
