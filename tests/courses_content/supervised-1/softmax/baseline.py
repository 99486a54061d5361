"""Skips the exponential: divides each row of scores by its sum instead of taking the softmax."""

import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    return z / z.sum(axis=1, keepdims=True)
