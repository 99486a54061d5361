"""Starts each maximum from 0, which is wrong when every value is negative."""

import numpy as np


def max_pool(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    out = np.zeros((h, w), dtype=x.dtype)
    for i in range(h):
        for j in range(w):
            best = 0
            for v in x[2 * i : 2 * i + 2, 2 * j : 2 * j + 2].ravel():
                best = max(best, v)
            out[i, j] = best
    return out
