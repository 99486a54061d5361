import numpy as np


def max_pool(x):
    """Maximum of each 2x2 tile; an odd last row or column is dropped."""
    x = np.asarray(x)
    out = np.zeros((x.shape[0] // 2, x.shape[1] // 2), dtype=x.dtype)
    # TODO: fill out[i, j] with the maximum of the tile x[2i:2i+2, 2j:2j+2]
    return out
