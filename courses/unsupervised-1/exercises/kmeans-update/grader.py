"""Hidden cases for update_centroids(points, labels, centroids), empty clusters included."""

import numpy as np

from feynlab.grading.result import cases_result, check_array


def reference(points, labels, centroids):
    new = centroids.astype(float).copy()
    for j in range(len(new)):
        if (labels == j).any():
            new[j] = points[labels == j].mean(axis=0)
    return new


def cases():
    rng = np.random.default_rng(20260604)
    yield (
        "a small example",
        np.array([[0.0, 0.0], [2.0, 2.0], [10.0, 10.0]]),
        np.array([0, 0, 1]),
        np.array([[5.0, 5.0], [6.0, 6.0]]),
    )
    yield (
        "a cluster with no points (it keeps its centroid)",
        np.array([[1.0, 1.0], [3.0, 3.0]]),
        np.array([0, 0]),
        np.array([[0.0, 0.0], [7.0, -7.0]]),
    )
    points = rng.normal(size=(5000, 8))
    yield "5,000 points, 10 clusters", points, rng.integers(10, size=5000), rng.normal(size=(10, 8))
    yield "integer points", np.array([[1, 2], [2, 3]]), np.array([1, 1]), np.array([[0, 0], [0, 0]])


def grade(judge):
    results = []
    for name, points, labels, centroids in cases():
        sent = centroids.copy()
        got = judge.call("update_centroids", points.copy(), labels.copy(), sent)
        want = reference(points, labels, centroids)
        problem = check_array(got, name="update_centroids", shape=want.shape, kind="f")
        if problem is None and not np.allclose(got, want, rtol=1e-9, atol=1e-9):
            problem = f"`update_centroids` gave wrong centroids for {name}"
            if want.size <= 6:
                problem += f" (it returned {np.round(got, 6).tolist()})"
            problem += ": each centroid is the mean of the points labelled with it."
            if np.isnan(got).any():
                problem += " Some are NaN: an empty cluster must keep its centroid."
            elif np.allclose(got, centroids):
                problem += " It returned the centroids unchanged."
        results.append((name, problem))
    return cases_result(results, praise=", the empty cluster too")
