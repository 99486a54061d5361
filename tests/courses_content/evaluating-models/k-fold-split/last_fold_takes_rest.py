"""The remainder goes to the last block (11 in 3 folds: 3, 3, 5), so block sizes differ by more
than one."""

import numpy as np


def k_fold_indices(n, k):
    size = n // k
    rounds = []
    for r in range(k):
        end = n if r == k - 1 else (r + 1) * size
        val = np.arange(r * size, end)
        rounds.append((np.setdiff1d(np.arange(n), val), val))
    return rounds
