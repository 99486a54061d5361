"""Hidden cases for cross_entropy(logits, labels): ordinary scores, then huge and confidently
wrong ones where taking the log of a softmax breaks."""

import numpy as np

from feynlab.grading.result import cases_result


def reference(logits, labels):
    top = logits.max(axis=1)
    log_sum_exp = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    return float((log_sum_exp - logits[np.arange(len(labels)), labels]).mean())


def _diagnosis(got, want, n):
    """What a wrong loss looks like, in words (never the expected value: it is hidden)."""
    if n > 1 and np.isclose(got, want * n, rtol=1e-6):
        return ": it looks like the sum over the rows; return their mean"
    if np.isclose(got, -want, rtol=1e-6) and want != 0:
        return ": its sign is flipped (the loss is minus the log-probability)"
    if got < 0:
        return ": a cross-entropy is never negative"
    return ""


def cases():
    rng = np.random.default_rng(20260602)
    yield "a small example", np.array([[2.0, 1.0, 0.1]]), np.array([0])
    yield "equal scores for every class", np.zeros((3, 4)), np.array([0, 1, 3])
    yield (
        "random scores (50 rows, 10 classes)",
        rng.normal(size=(50, 10)),
        rng.integers(10, size=50),
    )
    yield (
        "very large scores, right answers",
        np.array([[1000.0, 0.0], [0.0, 2000.0]]),
        np.array([0, 1]),
    )
    yield (
        "very large scores, wrong answers",
        np.array([[1000.0, 0.0], [0.0, 2000.0]]),
        np.array([1, 0]),
    )
    yield "large random scores", rng.normal(scale=300.0, size=(20, 5)), rng.integers(5, size=20)


def grade(judge):
    results = []
    for name, logits, labels in cases():
        got = judge.call("cross_entropy", logits.copy(), labels.copy())
        want = reference(logits, labels)
        if isinstance(got, np.ndarray) and got.shape == ():
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, int | float | np.floating):
            problem = (
                f"`cross_entropy` should return one number, but it returned {type(got).__name__}."
            )
        elif not np.isfinite(got):
            problem = f"`cross_entropy` returned {got} for {name}; the loss is finite."
        elif not np.isclose(got, want, rtol=1e-6, atol=1e-9):
            problem = f"`cross_entropy` returned {got:.6g} for {name}, which is not the loss"
            problem += _diagnosis(got, want, len(labels)) + "."
        else:
            problem = None
        results.append((name, problem))
    result = cases_result(results, praise=", huge scores included")
    failed = [(name, problem) for name, problem in results if problem]
    if any("large" in name for name, _ in failed):
        result.feedback += (
            "\n\nWith huge scores, a probability rounds to exactly 0 and its log is "
            "`-inf`. Compute log-sum-exp minus the right score instead, with the row "
            "maximum subtracted inside the exponential."
        )
    return result
