"""What image-exercise graders share: the arrays as learners receive them, and the scores."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from feynlab.datasets.service import (
    load_hidden,
    load_public,
    load_scaled_train,
    load_test_inputs,
    scaled_train_file,
)


@dataclass(frozen=True)
class GradingData:
    """Training images and labels as the learner gets them; the hidden test images and labels
    (the grader sends a drawn view of the images, never the labels)."""

    x_train: np.ndarray  # float32 (n, 28, 28) in [0, 1], memory-mapped read-only
    y_train: np.ndarray  # int64 (n,)
    x_test: np.ndarray  # float32 (m, 28, 28) in [0, 1]
    y_test: np.ndarray  # int64 (m,), never sent to the learner
    # x_train's file relative to the public folder: `judge.public_array(data.x_train_file)`
    # hands it to the learner's code by reference (memory-mapped there too, not copied)
    x_train_file: str


@lru_cache(maxsize=2)
def grading_data(name: str, data_dir: Path) -> GradingData:
    """Cached per process: a grader runs many times and the conversion costs ~0.3 s."""
    public = load_public(name, data_dir=data_dir)
    x_test = load_test_inputs(name, data_dir=data_dir)
    arrays = GradingData(
        x_train=load_scaled_train(name, data_dir=data_dir),
        y_train=np.asarray(public["y_train"], dtype=np.int64),
        x_test=np.asarray(x_test, dtype=np.float32) / np.float32(255),
        y_test=np.asarray(load_hidden(name, data_dir=data_dir), dtype=np.int64),
        x_train_file=scaled_train_file(name),
    )
    for array in (arrays.y_train, arrays.x_test, arrays.y_test):
        array.flags.writeable = False
    return arrays


def accuracy(predicted: np.ndarray, truth: np.ndarray) -> float:
    return float((np.asarray(predicted) == np.asarray(truth)).mean())


def clustering_accuracy(clusters: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    """Accuracy under the best one-to-one matching of clusters to classes (Hungarian)."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (np.asarray(clusters, dtype=np.int64), np.asarray(truth)), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / len(truth))


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% confidence interval of a proportion (Wilson score; sound near 0 and 1 too)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
