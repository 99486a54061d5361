"""Takes the log of a (stable) softmax: a probability rounds to 0 and the loss becomes inf."""

import numpy as np


def cross_entropy(logits, labels):
    z = np.asarray(logits, dtype=float)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return float(-np.log(p[np.arange(len(labels)), labels]).mean())
