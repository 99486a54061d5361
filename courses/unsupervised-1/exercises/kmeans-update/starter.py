import numpy as np


def update_centroids(points, labels, centroids):
    """Mean of each cluster's points; an empty cluster keeps its centroid."""
    new = np.array(centroids, dtype=float)
    # TODO: for each cluster j, the mean of points[labels == j]
    return new
