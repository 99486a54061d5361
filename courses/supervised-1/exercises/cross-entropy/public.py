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
                "two examples, three classes",
                "cross_entropy",
                args=(
                    np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], dtype=float),
                    np.array([0, 1], dtype=np.int64),
                ),
                expected=0.31853977,
            ),
            Check(
                "a confident wrong answer",
                "cross_entropy",
                args=(
                    np.array([[5.0, 0.0]], dtype=float),
                    np.array([1], dtype=np.int64),
                ),
                expected=5.00671535,
            ),
            Check(
                "large scores (around 1000)",
                "cross_entropy",
                args=(
                    np.array([[1000.0, 998.0]], dtype=float),
                    np.array([0], dtype=np.int64),
                ),
                expected=0.12692801,
            ),
        ],
    )
