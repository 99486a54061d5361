"""Skips the clusters: moves every centroid to the mean of all the points."""

import numpy as np


def update_centroids(points, labels, centroids):
    points = np.asarray(points, dtype=float)
    return np.tile(points.mean(axis=0), (len(centroids), 1))
