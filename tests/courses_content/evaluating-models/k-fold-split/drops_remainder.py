"""Blocks of n // k examples: when n is not a multiple of k the last n % k examples are never
validated on."""

import numpy as np


def k_fold_indices(n, k):
    size = n // k
    rounds = []
    for r in range(k):
        val = np.arange(r * size, (r + 1) * size)
        rounds.append((np.setdiff1d(np.arange(n), val), val))
    return rounds
