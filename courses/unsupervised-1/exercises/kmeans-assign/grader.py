"""Hidden cases for assign_clusters(points, centroids), up to 20,000 points."""

import numpy as np

from feynlab.grading.result import cases_result, check_array


def reference(points, centroids):
    return ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def cases():
    rng = np.random.default_rng(20260603)
    yield (
        "a small example",
        np.array([[0.0, 0.0], [10.0, 10.0], [9.0, 8.0]]),
        np.array([[1.0, 1.0], [9.0, 9.0]]),
    )
    yield (
        "a diagonal centroid nearer than a straight one",
        np.array([[0.0, 0.0]]),
        np.array([[3.0, 0.0], [2.0, 2.0]]),
    )
    yield "one centroid", rng.normal(size=(5, 3)), np.zeros((1, 3))
    yield "points in 1-D", np.array([[0.0], [4.0], [6.0], [9.0]]), np.array([[1.0], [8.0]])
    centres = rng.normal(scale=5.0, size=(10, 16))
    labels = rng.integers(10, size=20000)
    yield "20,000 points in 16-D", centres[labels] + rng.normal(size=(20000, 16)), centres
    yield (
        "a point exactly halfway (the smaller index wins)",
        np.array([[0.0, 0.0]]),
        np.array([[1.0, 0.0], [-1.0, 0.0]]),
    )


def grade(judge):
    results = []
    for name, points, centroids in cases():
        got = judge.call("assign_clusters", points.copy(), centroids.copy())
        want = reference(points, centroids)
        problem = check_array(got, name="assign_clusters", shape=want.shape, kind="iu")
        if problem is None and not np.array_equal(got, want):
            wrong = int((got != want).sum())
            problem = f"{wrong} of {len(want)} points got the wrong centroid for {name}"
            if len(want) <= 5:
                problem += f" (expected {want.tolist()}, got {got.tolist()})"
            problem += "."
        results.append((name, problem))
    return cases_result(results)
