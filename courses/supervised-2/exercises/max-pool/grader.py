"""Hidden cases for max_pool(x): even and odd sizes, negative values, a large map."""

import numpy as np

from feynlab.grading.result import cases_result, check_array


def reference(x):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    return x[: 2 * h, : 2 * w].reshape(h, 2, w, 2).max(axis=(1, 3))


def cases():
    rng = np.random.default_rng(20260606)
    yield (
        "the lesson's 4x4 example",
        np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 0, 5, 6], [1, 2, 7, 8]]),
    )
    yield "negative values only", -rng.random((4, 6)) - 1.0
    yield "odd height and width (5x7)", rng.normal(size=(5, 7))
    yield "a single tile", np.array([[0.5, -1.0], [2.0, 1.5]])
    yield "a 2x3 map (one tile)", np.arange(6.0).reshape(2, 3)
    yield "a 512x512 map", rng.normal(size=(512, 512))


def grade(judge):
    results = []
    for name, x in cases():
        got = judge.call("max_pool", x.copy())
        want = reference(x)
        problem = check_array(got, name="max_pool", shape=want.shape, kind="fiu")
        if problem is None and not np.array_equal(got, want):
            problem = f"`max_pool` gave wrong values for {name}"
            if want.size <= 4:
                problem += f" (it returned {np.asarray(got).tolist()})"
            problem += ": each output is the largest value of one 2x2 tile."
        results.append((name, problem))
    result = cases_result(results)
    failed = [(name, problem) for name, problem in results if problem]
    if results[0][1] is None and any("negative" in name for name, _ in failed):
        result.feedback += " (Starting a maximum from 0 fails when every value is negative.)"
    return result
