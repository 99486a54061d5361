"""Returns the per-example losses instead of one number."""

import numpy as np


def cross_entropy(logits, labels):
    z = np.asarray(logits, dtype=float)
    top = z.max(axis=1)
    lse = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    return lse - z[np.arange(len(labels)), labels]
