"""Returns the cluster ids as floats."""

import numpy as np


def cluster_images(x_train, x_test):
    return (x_test.reshape(len(x_test), -1).mean(axis=1) * 100 % 10).astype(np.float32)
