"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

Everything here is shown to the learner: the inputs and the expected answers. The grade rests on
grader.py's hidden cases, never on these."""

import math

from feynlab.grading.public import Check, run_checks


def _close_to(expected):
    def test(got):
        if isinstance(got, list):
            got = tuple(got)
        if not isinstance(got, tuple) or len(got) != 2:
            return "expected a tuple of two numbers (low, high)"
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in got):
            return "low and high should be numbers"
        if not all(math.isclose(g, e, abs_tol=1e-4) for g, e in zip(got, expected, strict=True)):
            return f"got ({got[0]:.4f}, {got[1]:.4f})"
        return None

    return test


def _check(name, args, expected, kwargs=None):
    call = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in (kwargs or {}).items())])
    return Check(
        name,
        "wilson_interval",
        args=args,
        kwargs=kwargs or {},
        test=_close_to(expected),
        shown_input=f"wilson_interval({call})",
        shown_expected=f"({expected[0]:.4f}, {expected[1]:.4f}), to within 0.0001",
    )


def grade(judge):
    return run_checks(
        judge,
        [
            _check("40 right out of 50 (95%)", (40, 50), (0.6696, 0.8876)),
            _check("10 right out of 10, a perfect score", (10, 10), (0.7225, 1.0)),
            _check("40 right out of 50, a 99% interval", (40, 50), (0.6235, 0.9062), {"z": 2.576}),
        ],
    )
