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
                "an ordinary step",
                "q_update",
                args=(
                    np.array([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]], dtype=float),
                    0,
                    1,
                    1.0,
                    1,
                    False,
                    0.5,
                    0.9,
                ),
                expected=np.array([[0.0, 1.4], [1.0, 2.0], [0.0, 0.0]], dtype=float),
            ),
            Check(
                "a terminal step (no future value)",
                "q_update",
                args=(
                    np.array([[0.0, 0.0], [4.0, 8.0]], dtype=float),
                    0,
                    0,
                    -1.0,
                    1,
                    True,
                    0.5,
                    0.9,
                ),
                expected=np.array([[-0.5, 0.0], [4.0, 8.0]], dtype=float),
            ),
        ],
    )
