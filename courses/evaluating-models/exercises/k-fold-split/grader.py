"""Hidden cases for k_fold_indices(n, k): multiples of k and not, two folds, leave-one-out,
a larger set; each round checked for its validation block and its training part."""

import numpy as np

from feynlab.grading.result import cases_result

CASES = [
    ("10 examples in 5 folds", 10, 5),
    ("11 examples in 3 folds (not a multiple of k)", 11, 3),
    ("two folds of an odd number of examples", 7, 2),
    ("leave-one-out (as many folds as examples)", 6, 6),
    ("1,003 examples in 10 folds", 1003, 10),
    ("23 examples in 4 folds", 23, 4),
]


def reference(n, k):
    rounds, start = [], 0
    for r in range(k):
        size = n // k + (1 if r < n % k else 0)
        val = np.arange(start, start + size)
        rounds.append((np.concatenate([np.arange(0, start), np.arange(start + size, n)]), val))
        start += size
    return rounds


def _as_index(value):
    if isinstance(value, list | tuple):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray) or value.ndim != 1:
        return None
    if value.size and value.dtype.kind not in "iu":
        return None
    return value.astype(np.int64)


def _problem(got, n, k):
    if isinstance(got, tuple):
        got = list(got)
    if not isinstance(got, list):
        return (
            f"`k_fold_indices` should return a list of pairs, but it returned {type(got).__name__}."
        )
    if len(got) != k:
        return f"it returned {len(got)} rounds for k = {k}; there is one round per fold."
    want = reference(n, k)
    seen = np.zeros(n, dtype=np.int64)
    for r, pair in enumerate(got):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            return f"round {r} is not a pair `(train_index, val_index)`."
        train, val = (_as_index(part) for part in pair)
        if train is None or val is None:
            return f"round {r}: both parts should be 1-D arrays of whole numbers."
        if ((train < 0) | (train >= n)).any() or ((val < 0) | (val >= n)).any():
            return f"round {r} names examples outside 0 to {n - 1}."
        if np.intersect1d(train, val).size:
            return (
                f"round {r} trains on examples it validates on: the model would be judged on "
                "examples it learned from."
            )
        if len(np.union1d(train, val)) != n or len(train) + len(val) != n:
            return (
                f"in round {r} training and validation together should hold every example "
                "exactly once; some are missing or repeated."
            )
        seen[val] += 1
        if not np.array_equal(val, want[r][1]):
            sizes = [len(v) for _, v in want]
            if len(val) != sizes[r]:
                return (
                    f"round {r} validates on {len(val)} examples; with n = {n} and k = {k} the "
                    "blocks should differ in size by at most one, the larger ones first."
                )
            return f"round {r} does not validate on the next consecutive block, in order."
        if not np.array_equal(train, want[r][0]):
            return (
                f"round {r}: the training part should be every other example, in increasing order."
            )
    if (seen != 1).any():
        return "some examples are never validated on, or more than once."
    return None


def grade(judge):
    results = []
    for name, n, k in CASES:
        got = judge.call("k_fold_indices", n, k)
        results.append((name, _problem(got, n, k)))
    return cases_result(results, praise=", leave-one-out included")
