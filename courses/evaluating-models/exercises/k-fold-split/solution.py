import numpy as np


def k_fold_indices(n, k):
    """k pairs (train_index, val_index) of k-fold cross-validation on examples 0 .. n-1."""
    rounds, start = [], 0
    for r in range(k):
        size = n // k + (1 if r < n % k else 0)
        val_index = np.arange(start, start + size)
        train_index = np.concatenate([np.arange(0, start), np.arange(start + size, n)])
        rounds.append((train_index, val_index))
        start += size
    return rounds
