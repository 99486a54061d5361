import numpy as np


def assign_clusters(points, centroids):
    """Index of the nearest centroid for each point."""
    points = np.asarray(points, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2, without building an (n, k, d) array
    distances = (
        (points**2).sum(axis=1)[:, None]
        - 2 * points @ centroids.T
        + (centroids**2).sum(axis=1)[None, :]
    )
    return distances.argmin(axis=1)
