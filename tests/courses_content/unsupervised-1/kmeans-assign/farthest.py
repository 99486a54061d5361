"""Picks the farthest centroid (argmax instead of argmin)."""


def assign_clusters(points, centroids):
    return ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmax(axis=1)
