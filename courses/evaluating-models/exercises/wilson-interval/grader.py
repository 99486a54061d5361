"""Hidden cases for wilson_interval(right, n, z): ordinary scores, perfect and zero scores,
tiny and large test sets, and other confidence levels (z)."""

import math

import numpy as np

from feynlab.grading.result import cases_result


def reference(right, n, z=1.96):
    p = right / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


CASES = [
    ("an ordinary score (85 of 100)", (85, 100), {}),
    ("a large test set (9,312 of 10,000)", (9312, 10000), {}),
    ("a perfect score on a small test set", (20, 20), {}),
    ("a zero score", (0, 15), {}),
    ("a tiny test set (3 of 5)", (3, 5), {}),
    ("a single item, answered right", (1, 1), {}),
    ("a 99% interval (z = 2.576)", (170, 200), {"z": 2.576}),
    ("a 90% interval (z = 1.645), one wrong answer", (49, 50), {"z": 1.645}),
]


def _diagnosis(got, right, n, z):
    """What a wrong interval looks like, in words (never the expected values)."""
    p = right / n
    half = z * math.sqrt(p * (1 - p) / n)
    if np.allclose(got, (p - half, p + half), rtol=0, atol=1e-9):
        return ": that is the normal (Wald) interval, not Wilson's"
    if np.allclose(got, (100 * (p - half), 100 * (p + half)), atol=1e-7) or max(got) > 1:
        return ": return shares between 0 and 1 (0.85), not percentages (85)"
    if z != 1.96 and np.allclose(got, reference(right, n), rtol=0, atol=1e-9):
        return ": it is the 95% interval; use the `z` you are given"
    return ""


def grade(judge):
    results = []
    for name, args, kwargs in CASES:
        got = judge.call("wilson_interval", *args, **kwargs)
        want = reference(*args, **kwargs)
        z = kwargs.get("z", 1.96)
        if isinstance(got, list):
            got = tuple(got)
        if not isinstance(got, tuple) or len(got) != 2:
            problem = (
                "`wilson_interval` should return a tuple of two numbers `(low, high)`, but it "
                f"returned {type(got).__name__}."
            )
        elif not all(
            isinstance(v, int | float | np.floating | np.integer) and not isinstance(v, bool)
            for v in got
        ):
            problem = "`low` and `high` should be numbers."
        elif not all(math.isfinite(float(v)) for v in got):
            problem = f"`wilson_interval` returned {got} for {name}; the bounds are finite."
        elif not np.allclose([float(v) for v in got], want, rtol=0, atol=1e-9):
            low, high = (float(v) for v in got)
            problem = f"`wilson_interval` returned ({low:.6g}, {high:.6g}) for {name}"
            problem += _diagnosis((low, high), *args, z) + "."
        else:
            problem = None
        results.append((name, problem))
    return cases_result(results, praise=", perfect and zero scores included")
