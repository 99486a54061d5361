"""Calibrate a stochastic exercise: run its reference solution under several seeds on one core,
score it like the grader (the decided part of freshly drawn test views, ``--views`` per
training), and summarise the distribution against the pass bar.

Usage: .venv/bin/python -m tests.courses_content.calibrate unsupervised-1/fashion-clusters \
           --seeds 1 2 3 ... [--views 10]
(Results for the shipped courses are recorded in docs/courses.md and docs/benchmarks.md.)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from types import ModuleType

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from feynlab.datasets.scoring import clustering_accuracy, grading_data  # noqa: E402
from feynlab.datasets.view import ViewBlock, draw_view  # noqa: E402
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


def view_block(target: str) -> ViewBlock:
    """The exercise's validated ``view:`` block, read from its exercise.yaml alone (so that a
    lesson being edited elsewhere in the course does not stop a calibration)."""
    spec = yaml.safe_load(
        (REPO_ROOT / "courses" / target.replace("/", "/exercises/") / "exercise.yaml").read_text()
    )
    return ViewBlock.model_validate(spec.get("view") or {})


def run_once(
    target: str, seed: int, views: int, errors: list[float] | None = None
) -> tuple[list[float], float]:
    """The reference's decided scores on ``views`` test views, and the CPU seconds of its
    training, for one seed (Python, NumPy, torch seeded; view seeds 1000 * seed + v).
    fashion-clusters also appends each view's decided reconstruction error to ``errors``."""
    errors = [] if errors is None else errors
    import keras
    import torch

    torch.set_num_threads(1)
    keras.utils.set_random_seed(seed)
    block = view_block(target)
    data = grading_data(DATASET[target], get_settings().data_dir)
    solution = load_solution(target)
    drawn = [
        draw_view(data.x_test, data.y_test, block=block, rng=np.random.default_rng(1000 * seed + v))
        for v in range(views)
    ]
    started = time.process_time()
    scores = []
    if target.endswith("fashion-clusters"):
        # one autoencoder per seed; each view is encoded, rebuilt and its codes clustered
        encoder, decoder = solution.train_autoencoder(data.x_train)
        cpu = time.process_time() - started
        for view in drawn:
            codes = np.asarray(encoder.predict(view.x, verbose=0), dtype=np.float32)
            restored = np.asarray(decoder.predict(codes, verbose=0)).reshape(len(codes), 28, 28)
            error = ((restored - data.x_test[view.items]) ** 2).mean(axis=(1, 2))
            errors.append(float(error[view.decide].mean()))
            clusters = solution.cluster_codes(codes)
            scores.append(clustering_accuracy(clusters[view.decide], view.y[view.decide]))
        return scores, cpu
    model = solution.train_model(data.x_train, data.y_train)
    cpu = time.process_time() - started
    for view in drawn:
        predicted = model.predict(view.x, verbose=0).argmax(axis=1)
        scores.append(float((predicted == view.y)[view.decide].mean()))
    return scores, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(DATASET))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--views", type=int, default=10)
    parser.add_argument("--bar", type=float, default=None)
    args = parser.parse_args()
    scores, per_seed, errors = [], [], []
    for seed in args.seeds:
        seed_errors: list[float] = []
        decided, cpu = run_once(args.target, seed, args.views, seed_errors)
        scores += decided
        errors += seed_errors
        per_seed.append(statistics.mean(decided))
        rebuilt = f"  error max {max(seed_errors):.5f}" if seed_errors else ""
        print(
            f"seed {seed:3d}  mean {per_seed[-1]:.4f}  min {min(decided):.4f}{rebuilt}  "
            f"cpu {cpu:.1f} s  views " + " ".join(f"{d:.4f}" for d in decided),
            flush=True,
        )
    if len(scores) > 1:
        mean, sd = statistics.mean(scores), statistics.stdev(scores)
        print(
            f"trainings {len(per_seed)} x views {args.views}: n {len(scores)}  mean {mean:.4f}  "
            f"sd {sd:.4f}  min {min(scores):.4f}"
        )
        if len(per_seed) > 1:
            print(
                f"between trainings: sd {statistics.stdev(per_seed):.4f}  min {min(per_seed):.4f}"
            )
        if len(errors) > 1:
            print(
                f"reconstruction error: mean {statistics.mean(errors):.5f}  "
                f"sd {statistics.stdev(errors):.5f}  max {max(errors):.5f}"
            )
        if args.bar is not None:
            z = (mean - args.bar) / sd
            fail = statistics.NormalDist().cdf(-z)
            print(f"bar {args.bar}: {z:.2f} sd below the mean; normal P(fail) {fail:.4f}")


if __name__ == "__main__":
    main()
