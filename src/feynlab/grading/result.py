"""What a course author's ``grade(judge)`` returns, and helpers for common feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Result:
    """The grader's verdict on a working solution.

    ``passed`` left as None is decided by the exercise's pass bar (``pass: {metric, at_least}``)
    applied to ``metrics[metric]`` (or ``score`` when the metric is ``score``).

    ``metrics``, ``score``, ``feedback`` and ``summary`` (the result in plain words, e.g. "all 7
    hidden cases passed", shown instead of metric keys) are what the learner sees;
    ``staff_metrics`` (exact figures) and ``predictions`` (the learner model's answer per hidden
    test item, as ``{"items": [dataset item ids], "predicted": [labels]}``, for similarity
    reports) are shown to instructors only.
    """

    score: float | None = None
    passed: bool | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    feedback: str = ""
    summary: str = ""
    artifacts: dict[str, Any] = field(default_factory=dict)
    staff_metrics: dict[str, float] = field(default_factory=dict)
    predictions: dict[str, list[Any]] | None = None


def against_bar(name: str, value: float, at_least: float) -> str:
    """One sentence placing a measured figure against the bar, for a beginner."""
    if value >= at_least:
        return f"Your {name} is **{value:.4g}**; the bar is {at_least:.4g}. Well done!"
    return (
        f"Your {name} is **{value:.4g}**, below the bar of {at_least:.4g}. "
        "Look at what your code gets wrong on small examples, then try again."
    )


def check_array(
    value: Any, *, name: str, shape: tuple[int | None, ...] | None = None, kind: str | None = None
) -> str | None:
    """Why ``value`` is not the array the exercise asks for (None when it is).

    ``kind`` is a set of NumPy dtype kinds, e.g. ``"iu"`` for integers, ``"f"`` for floats.
    """
    if not isinstance(value, np.ndarray):
        return f"`{name}` should return a NumPy array, but it returned a {type(value).__name__}."
    if shape is not None and (
        value.ndim != len(shape)
        or any(
            want is not None and got != want for got, want in zip(value.shape, shape, strict=False)
        )
    ):
        wanted = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
        return f"`{name}` returned an array of shape {value.shape}; expected shape {wanted}."
    if kind is not None and value.dtype.kind not in kind:
        return f"`{name}` returned an array of type {value.dtype}; expected {_kind_words(kind)}."
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        return f"`{name}` returned NaN or infinite values."
    return None


def _kind_words(kind: str) -> str:
    words = {"i": "integers", "u": "integers", "f": "floats", "b": "booleans"}
    return " or ".join(sorted({words.get(k, k) for k in kind}))


def fail(feedback: str, *, summary: str = "", **metrics: float) -> Result:
    """A failed result with feedback (for wrong shapes, wrong types, missing pieces)."""
    return Result(
        score=0.0, passed=False, metrics=dict(metrics), feedback=feedback, summary=summary
    )


def cases_result(results: Sequence[tuple[str, str | None]], *, praise: str = "") -> Result:
    """Score a set of hidden test cases, each ``(name, problem or None)``: the share passed is
    the score and the metric ``cases_passed``; the feedback names the first case that failed.

    A case's name says what it tests ("a non-square kernel", "a terminal step"), never its
    expected answer: it is shown to the learner. ``praise`` extends the all-passed sentence,
    e.g. ", large scores included"."""
    failed = [(name, problem) for name, problem in results if problem]
    total = len(results)
    share = 1 - len(failed) / total
    cases = "the hidden case" if total == 1 else f"all {total} hidden cases"
    if not failed:
        summary = f"{cases} passed"
        feedback = f"{summary[0].upper()}{summary[1:]}{praise}. Well done!"
    else:
        summary = f"{total - len(failed)} of {total} hidden cases passed"
        feedback = f"{summary}. First problem ({failed[0][0]}): {failed[0][1]}"
    return Result(score=share, metrics={"cases_passed": share}, feedback=feedback, summary=summary)
