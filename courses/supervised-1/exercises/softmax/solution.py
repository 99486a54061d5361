import numpy as np


def softmax(z):
    """Turn each row of scores into probabilities that add up to 1."""
    z = np.asarray(z, dtype=float)
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
