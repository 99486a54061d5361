"""Puts every image in one cluster: the matching can only be right for one class (0.10)."""

import numpy as np


def cluster_images(x_train, x_test):
    return np.zeros(len(x_test), dtype=np.int64)
