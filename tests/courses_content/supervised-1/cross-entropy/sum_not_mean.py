"""Sums the losses instead of averaging them."""

import numpy as np


def cross_entropy(logits, labels):
    z = np.asarray(logits, dtype=float)
    top = z.max(axis=1)
    lse = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    return float((lse - z[np.arange(len(labels)), labels]).sum())
