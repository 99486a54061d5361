"""Public checks: what the exercise page's Run button tries, shown to the learner case by case.

An exercise's ``public.py`` mirrors ``grader.py`` (docs/grader-api.md): it defines
``grade(judge)`` and runs with the same judge, sandbox and limits, but it is given no hidden data
(the grader host mounts none for it) and everything it shows, inputs and expected answers
included, is public. Each check calls the learner's function once::

    from feynlab.grading.public import Check, run_checks

    def grade(judge):
        return run_checks(judge, [
            Check("two scores", "softmax", args=(np.array([1.0, 2.0]),),
                  expected=np.array([0.26894142, 0.73105858])),
        ])

``expected`` is compared with NumPy's ``allclose`` (``atol``/``rtol``), after a shape check;
``test=`` replaces that comparison with the author's own (``test(got) -> problem or None``), for
answers that are not one exact value (a trained model, a clustering, a policy). ``reuse=True``
judges the answer of the check before again, without calling the learner's function once more
(train once, then check the shape and the accuracy apart).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from feynlab.grading.judge import RemoteHandle
from feynlab.grading.result import Result

SHOWN_CHARS = 400  # an input or answer is shown up to this length, then cut with "..."


@dataclass(frozen=True)
class Check:
    """One public check: call ``function(*args, **kwargs)`` and judge the answer."""

    name: str
    function: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    test: Callable[[Any], str | None] | None = None
    shown_input: str | None = None  # what the page shows as the input (default: the arguments)
    shown_expected: str | None = None  # ... and as the expected answer, with ``test``
    timeout_s: float | None = None
    reuse: bool = False  # judge the answer of the check before (no new call: a trained model)
    atol: float = 1e-6
    rtol: float = 1e-5


def shown(value: Any) -> str:
    """A value as the learner reads it: NumPy's own printing, short."""
    if isinstance(value, RemoteHandle):
        return "an object (a model, a function...)"
    if isinstance(value, np.ndarray):
        # 4 significant digits, no padding: "[[0.09003, 0.2447, 0.6652]]", "[1000, 1001]"
        text = np.array2string(
            value, threshold=40, separator=", ", formatter={"float_kind": lambda v: f"{v:.4g}"}
        )
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def compare(got: Any, expected: Any, *, atol: float, rtol: float) -> str | None:
    """Why ``got`` is not ``expected`` (None when it is, within the tolerances)."""
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            return f"expected a NumPy array, got a {type(got).__name__}"
        if got.shape != expected.shape:
            return f"expected shape {expected.shape}, got shape {got.shape}"
        if got.dtype.kind not in "biuf":
            return f"expected numbers, got an array of type {got.dtype}"
        if not np.allclose(got, expected, atol=atol, rtol=rtol, equal_nan=False):
            return "the values differ"
        return None
    if isinstance(expected, bool | int | float | np.number):
        if isinstance(got, np.ndarray) and got.shape == ():
            got = got.item()
        if not isinstance(got, bool | int | float | np.number):
            return f"expected a number, got a {type(got).__name__}"
        if not np.isclose(float(got), float(expected), atol=atol, rtol=rtol):
            return "the values differ"
        return None
    return None if got == expected else "the values differ"


def _args_text(check: Check) -> str:
    parts = [shown(a) for a in check.args] + [f"{k}={shown(v)}" for k, v in check.kwargs.items()]
    return f"{check.function}(" + ", ".join(parts) + ")"


def run_checks(judge: Any, checks: Sequence[Check]) -> Result:
    """Run every check in order and report each (artifact ``public_checks``). The learner's own
    exception stops the run with its traceback, as in grading (the page names the check)."""
    if not checks:
        raise ValueError("public.py needs at least one check")
    if checks[0].reuse:
        raise ValueError("the first public check has no answer before it to reuse")
    reports: list[dict[str, Any]] = []
    got: Any = None
    for check in checks:
        if not check.reuse:
            got = judge.call(check.function, *check.args, timeout_s=check.timeout_s, **check.kwargs)
        if check.test is not None:
            problem = check.test(got)
            expected = check.shown_expected or ""
        else:
            problem = compare(got, check.expected, atol=check.atol, rtol=check.rtol)
            expected = shown(check.expected)
        reports.append(
            {
                "name": check.name,
                "input": check.shown_input or _args_text(check),
                "expected": expected,
                "got": shown(got),
                "passed": problem is None,
                "problem": problem,
            }
        )
    passed = sum(r["passed"] for r in reports)
    total = len(reports)
    if passed == total:
        summary = "the public check passed" if total == 1 else f"all {total} public checks passed"
    else:
        summary = f"{passed} of {total} public checks passed"
    first = next((r for r in reports if not r["passed"]), None)
    feedback = (
        f"{summary[0].upper()}{summary[1:]}. Submit to be graded on the hidden cases."
        if first is None
        else f"{summary[0].upper()}{summary[1:]}. First failing check ({first['name']}): "
        f"{first['problem']}."
    )
    return Result(
        score=passed / total,
        passed=passed == total,
        metrics={"checks_passed": passed / total},
        summary=summary,
        feedback=feedback,
        artifacts={"public_checks": reports},
    )
