"""Forgets to subtract the row maximum: large scores overflow to nan."""

import numpy as np


def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=1, keepdims=True)
