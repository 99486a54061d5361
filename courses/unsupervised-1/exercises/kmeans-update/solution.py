import numpy as np


def update_centroids(points, labels, centroids):
    """Mean of each cluster's points; an empty cluster keeps its centroid."""
    points = np.asarray(points, dtype=float)
    new = np.array(centroids, dtype=float)
    for j in range(len(new)):
        members = labels == j
        if members.any():
            new[j] = points[members].mean(axis=0)
    return new
