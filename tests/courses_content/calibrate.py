"""Calibrate a stochastic exercise: run its reference solution under several seeds on one core,
score it like the grader, and summarise the distribution against the pass bar.

Usage: .venv/bin/python -m tests.courses_content.calibrate unsupervised-1/fashion-clusters \
           --seeds 1 2 3 ...
(Results for the shipped courses are recorded in docs/courses.md.)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from types import ModuleType

os.environ.setdefault("KERAS_BACKEND", "torch")

from feynlab.datasets.scoring import accuracy, clustering_accuracy, grading_data  # noqa: E402
from feynlab.settings import REPO_ROOT, get_settings  # noqa: E402

DATASET = {
    "unsupervised-1/fashion-clusters": "fashion-mnist",
    "supervised-1/mnist-classifier": "mnist",
    "supervised-2/fashion-cnn": "fashion-mnist",
}


def load_solution(target: str) -> ModuleType:
    path = REPO_ROOT / "courses" / target.replace("/", "/exercises/") / "solution.py"
    spec = importlib.util.spec_from_file_location("reference", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_once(target: str, seed: int) -> tuple[float, float]:
    """The reference's score and CPU seconds for one seed (Python, NumPy, torch seeded)."""
    import keras
    import torch

    torch.set_num_threads(1)
    keras.utils.set_random_seed(seed)
    data = grading_data(DATASET[target], get_settings().data_dir)
    solution = load_solution(target)
    started = time.process_time()
    if target.endswith("fashion-clusters"):
        score = clustering_accuracy(solution.cluster_images(data.x_train, data.x_test), data.y_test)
    else:
        model = solution.train_model(data.x_train, data.y_train)
        score = accuracy(model.predict(data.x_test, verbose=0).argmax(axis=1), data.y_test)
    return score, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(DATASET))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--bar", type=float, default=None)
    args = parser.parse_args()
    scores = []
    for seed in args.seeds:
        score, cpu = run_once(args.target, seed)
        scores.append(score)
        print(f"seed {seed:3d}  score {score:.4f}  cpu {cpu:.1f} s", flush=True)
    if len(scores) > 1:
        mean, sd = statistics.mean(scores), statistics.stdev(scores)
        print(f"n {len(scores)}  mean {mean:.4f}  sd {sd:.4f}  min {min(scores):.4f}")
        if args.bar is not None:
            z = (mean - args.bar) / sd
            fail = statistics.NormalDist().cdf(-z)
            print(f"bar {args.bar}: {z:.2f} sd below the mean; normal P(fail) {fail:.4f}")


if __name__ == "__main__":
    main()
