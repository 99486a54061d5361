"""Returns the centroids unchanged."""

import numpy as np


def update_centroids(points, labels, centroids):
    return np.array(centroids, dtype=float)
