"""Pads odd sizes instead of dropping the last row and column."""

import numpy as np


def max_pool(x):
    x = np.pad(x, ((0, x.shape[0] % 2), (0, x.shape[1] % 2)), constant_values=-np.inf)
    h, w = x.shape[0] // 2, x.shape[1] // 2
    return x.reshape(h, 2, w, 2).max(axis=(1, 3))
