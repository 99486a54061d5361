"""Right validation blocks, but every round trains on all the examples, its own block included."""

import numpy as np


def k_fold_indices(n, k):
    rounds, start = [], 0
    for r in range(k):
        size = n // k + (1 if r < n % k else 0)
        rounds.append((np.arange(n), np.arange(start, start + size)))
        start += size
    return rounds
