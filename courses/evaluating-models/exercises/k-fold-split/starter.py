import numpy as np


def k_fold_indices(n, k):
    """k pairs (train_index, val_index) of k-fold cross-validation on examples 0 .. n-1."""
    rounds = []
    size = n // k
    for r in range(k):
        val_index = np.arange(r * size, (r + 1) * size)
        # TODO: the training part of the round, and blocks when n is not a multiple of k
        train_index = np.arange(n)
        rounds.append((train_index, val_index))
    return rounds
