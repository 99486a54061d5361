"""Cheat: ten bins of average brightness, dressed up as clustering; far below the bar."""

import numpy as np


def cluster_images(x_train, x_test):
    brightness = x_test.reshape(len(x_test), -1).mean(axis=1)
    edges = np.quantile(brightness, np.linspace(0, 1, 11)[1:-1])
    return np.searchsorted(edges, brightness).astype(np.int64)
