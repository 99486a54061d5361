"""Unit tests of the grader helpers and the grading package's public surface."""

from __future__ import annotations

import numpy as np

from feynlab.grading.result import against_bar, check_array


def test_feedback_helpers() -> None:
    assert "below the bar" in against_bar("accuracy", 0.5, 0.9)
    assert check_array([1, 2], name="predict") is not None
    assert "shape" in (check_array(np.zeros((3, 2)), name="p", shape=(3,)) or "")
    assert check_array(np.zeros(3), name="p", shape=(None,), kind="f") is None
    assert "NaN" in (check_array(np.array([np.nan]), name="p") or "")


def test_public_surface() -> None:
    import feynlab.grading as grading

    for name in grading.__all__:
        assert getattr(grading, name) is not None


def test_cases_result_scores_the_share_and_names_the_first_failure() -> None:
    from feynlab.grading.result import cases_result

    all_good = cases_result([("small", None), ("large", None)], praise=", large ones included")
    assert all_good.score == 1.0 and all_good.metrics == {"cases_passed": 1.0}
    assert all_good.feedback == "All 2 hidden cases passed, large ones included. Well done!"
    some = cases_result([("small", None), ("large", "overflowed"), ("tiny", "wrong sign")])
    assert abs(some.score - 1 / 3) < 1e-12
    assert some.feedback.startswith("1 of 3 hidden cases passed.")
    assert "First problem (large): overflowed" in some.feedback
    assert "wrong sign" not in some.feedback
