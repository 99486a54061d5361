import numpy as np


def max_pool(x):
    """Maximum of each 2x2 tile; an odd last row or column is dropped."""
    x = np.asarray(x)
    h, w = x.shape[0] // 2, x.shape[1] // 2
    return x[: 2 * h, : 2 * w].reshape(h, 2, w, 2).max(axis=(1, 3))
