"""MNIST's training images handed to the learner's code: by reference (now) or over the channel.

Grades supervised-1/mnist-classifier with a learner that trains nothing (it reports how long the
images took to arrive and how much memory its process holds, then returns an untrained model),
interleaved in one run under two graders: the shipped one, which passes the scaled training file
by reference (`judge.public_array`, memory-mapped copy-on-write in the sandbox), and a copy
changed to send the array itself over the judge channel, as every grading did before.
The learner's figures come back in its output (its private memory: RssAnon, what no other
process shares); the grading's wall time is measured here.
Usage: python bench/training_arrays.py [--runs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from feynlab.courses.find import find_exercise
from feynlab.grading.runner import Runner
from feynlab.settings import Settings

REPO = Path(__file__).resolve().parents[1]
LEARNER = """
import time
import keras

def _rss_mb(kind):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(kind + ":"):
                return int(line.split()[1]) / 1024

def train_model(x_train, y_train):
    total = float(x_train[:, 14, 14].sum())  # read one pixel of every image
    print(f"BENCH anon_mb={_rss_mb('RssAnon'):.0f} file_mb={_rss_mb('RssFile'):.0f} "
          f"shape={x_train.shape} sum={total:.1f}")
    return keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(10)])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    courses = REPO / "courses"
    shipped = find_exercise(courses, "supervised-1/mnist-classifier").gradable()
    settings = Settings(env="test", secret_key="bench-secret-key-0123456789", courses_dir=courses)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mnist-classifier"
        shutil.copytree(shipped.directory, folder)
        for p in [folder, *folder.parents]:  # the grader host (another uid) reads the copy
            if str(p) in ("/", "/tmp"):
                break
            os.chmod(p, 0o755)
        grader = folder / "grader.py"
        text, n = re.subn(
            r"judge\.public_array\(data\.x_train_file\)", "data.x_train", grader.read_text()
        )
        assert n == 1, "the shipped grader no longer passes x_train by reference"
        grader.write_text(text)
        cases = {
            "by reference (now)": shipped,
            "over the channel (before)": dataclasses.replace(shipped, directory=folder),
        }
        wall: dict[str, list[float]] = {name: [] for name in cases}
        rss: dict[str, list[float]] = {name: [] for name in cases}
        with Runner(settings) as runner:
            runner.sandbox.warm("keras")
            for exercise in cases.values():
                runner.grade(exercise=exercise, code=LEARNER)
            for _ in range(args.runs):
                for name, exercise in cases.items():
                    start = time.perf_counter()
                    verdict = runner.grade(exercise=exercise, code=LEARNER)
                    wall[name].append(time.perf_counter() - start)
                    found = re.search(r"BENCH anon_mb=(\d+)", verdict.output or "")
                    assert found, verdict
                    rss[name].append(float(found.group(1)))
    load = os.getloadavg()
    print(f"mnist-classifier, untrained learner, {args.runs} runs each, load {load[0]:.2f}")
    base = statistics.median(wall["over the channel (before)"])
    for name in cases:
        p50 = statistics.median(wall[name])
        print(
            f"{name:28s} grading p50 {p50 * 1000:7.0f} ms  ({base / p50:4.2f}x)  "
            f"learner's private memory p50 {statistics.median(rss[name]):5.0f} MB"
        )


if __name__ == "__main__":
    main()
