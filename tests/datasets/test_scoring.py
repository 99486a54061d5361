from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

import feynlab.datasets
from feynlab.datasets.scoring import accuracy, clustering_accuracy, wilson_interval


def test_public_surface() -> None:
    assert set(feynlab.datasets.__all__) == {
        "DATASETS",
        "DatasetMissing",
        "SourceError",
        "fetch",
        "fetch_command",
        "is_provisioned",
        "load",
        "load_hidden",
        "load_public",
    }


def test_clustering_accuracy_ignores_cluster_names() -> None:
    truth = np.repeat(np.arange(10), 50)
    renamed = (truth * 3 + 1) % 10  # a permutation of the ids
    assert clustering_accuracy(renamed, truth) == 1.0
    assert accuracy(renamed, truth) < 0.2


def test_clustering_accuracy_is_one_to_one() -> None:
    truth = np.repeat(np.arange(10), 10)
    assert clustering_accuracy(np.zeros(100, dtype=int), truth) == pytest.approx(0.1)
    merged = np.where(truth < 2, 0, truth)  # classes 0 and 1 in one cluster
    assert clustering_accuracy(merged, truth) == pytest.approx(0.9)


def test_wilson_interval_covers_the_truth() -> None:
    low, high = wilson_interval(300, 500)
    assert low < 0.6 < high and high - low < 0.09
    assert wilson_interval(0, 500)[0] == 0.0
    assert wilson_interval(500, 500)[1] == pytest.approx(1.0)
    # coverage of about 95% for n = 500, p = 0.65, computed exactly
    wins = np.arange(501)
    covered = [lo <= 0.65 <= hi for lo, hi in (wilson_interval(int(w), 500) for w in wins)]
    assert 0.93 < binom.pmf(wins, 500, 0.65)[covered].sum() < 0.97
