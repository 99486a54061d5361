"""Hidden cases for softmax(z): ordinary scores, then scores that overflow a naive version."""

import numpy as np

from feynlab.grading.result import cases_result, check_array


def reference(z):
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def cases():
    rng = np.random.default_rng(20260601)
    yield "a small example", np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    yield "one row, one class", np.array([[4.2]])
    yield "random scores (64 rows, 10 classes)", rng.normal(size=(64, 10))
    yield "very large scores (around 1000)", np.array([[1000.0, 1001.0, 1002.0]])
    yield "very negative scores (around -1000)", np.array([[-1000.0, -1001.0, -1002.0]])
    yield "rows on very different scales", np.array([[800.0, -800.0, 0.0], [1e-3, 2e-3, 0.0]])
    yield "large random scores", rng.normal(scale=400.0, size=(32, 7))


def grade(judge):
    results = []
    for name, z in cases():
        got = judge.call("softmax", z.copy())
        problem = check_array(got, name="softmax", shape=z.shape, kind="f")
        if problem is None and not np.allclose(got, reference(z), rtol=1e-6, atol=1e-9):
            problem = f"`softmax` gave wrong probabilities for {name}"
            if z.size <= 6:
                problem += f": for z = {z.tolist()} it returned {np.round(got, 6).tolist()}"
            problem += " (each row must be the exponentials of the row divided by their sum)."
        results.append((name, problem))
    result = cases_result(results, praise=", large scores included")
    failed = [(name, problem) for name, problem in results if problem]
    if any("large" in name or "negative" in name for name, _ in failed):
        result.feedback += (
            "\n\nLarge scores overflow `np.exp`. Subtract each row's maximum first: it "
            "does not change the result."
        )
    return result
