"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

Everything here is shown to the learner: the inputs and the expected answers. The grade rests on
grader.py's hidden cases, never on these."""

import numpy as np

from feynlab.grading.public import Check, run_checks


def grade(judge):
    return run_checks(
        judge,
        [
            Check(
                "three steps, gamma 0.5",
                "discounted_returns",
                args=(
                    np.array([1.0, 0.0, 2.0], dtype=float),
                    0.5,
                ),
                expected=np.array([1.5, 1.0, 2.0], dtype=float),
            ),
            Check(
                "gamma 1 sums the rest of the episode",
                "discounted_returns",
                args=(
                    np.array([0.0, 1.0, 1.0, -1.0], dtype=float),
                    1.0,
                ),
                expected=np.array([1.0, 1.0, 0.0, -1.0], dtype=float),
            ),
            Check(
                "a single step",
                "discounted_returns",
                args=(
                    np.array([3.0], dtype=float),
                    0.9,
                ),
                expected=np.array([3.0], dtype=float),
            ),
        ],
    )
