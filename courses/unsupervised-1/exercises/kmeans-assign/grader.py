"""Hidden cases for assign_clusters(points, centroids), up to 20,000 points, and one large case
(500,000 points) with a time bound, so that a Python loop over the points fails and says why.

The bound is measured in the same grading, on the same machine: the larger of FLOOR_S and
RATIO times the hinted whole-array NumPy computation on the same points here (the median of
three runs, measured again after a slow call, so a loaded machine raises the bound rather than
failing a vectorised solution). A loop over the points is 10 to 30 times slower than that."""

import time

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


TIMED = 500_000  # points in the timed case (2-D, 8 centroids)
FLOOR_S, RATIO = 1.0, 5.0


def numpy_time(points, centroids):
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        reference(points, centroids)  # the hinted (n, k, d) broadcast
        runs.append(time.perf_counter() - started)
    return sorted(runs)[1]


def timed_case(judge):
    """Right answers for many points, within the bound measured here (see the docstring)."""
    rng = np.random.default_rng(20260607)
    centroids = rng.normal(scale=3.0, size=(8, 2))
    points = centroids[rng.integers(8, size=TIMED)] + rng.normal(size=(TIMED, 2))
    bound = max(FLOOR_S, RATIO * numpy_time(points, centroids))
    started = time.perf_counter()
    got = judge.call("assign_clusters", points, centroids)
    took = time.perf_counter() - started
    want = reference(points, centroids)
    problem = check_array(got, name="assign_clusters", shape=want.shape, kind="iu")
    if problem is not None:
        return problem
    if not np.array_equal(got, want):
        return f"{int((got != want).sum())} of {TIMED:,} points got the wrong centroid."
    if took > bound:  # measure again: the machine may have been busier during the call
        bound = max(bound, RATIO * numpy_time(points, centroids))
    if took > bound:
        return (
            f"correct, but took {took:.1f} s for {TIMED:,} points: the bound is {bound:.1f} s "
            f"(at least {FLOOR_S:g} s, more when this machine is busy: {RATIO:g} times what "
            "whole-array NumPy needs on it right now); use NumPy "
            "operations over whole arrays instead of Python loops (all distances at once, "
            "then `argmin(axis=1)`)."
        )
    return None


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
    results.append((f"{TIMED:,} points, timed", timed_case(judge)))
    return cases_result(results)
