"""Skips the maximum: keeps the top-left pixel of every 2x2 tile (plain subsampling)."""

import numpy as np


def max_pool(x):
    x = np.asarray(x)
    h, w = x.shape[0] // 2, x.shape[1] // 2
    return x[: 2 * h : 2, : 2 * w : 2].copy()
