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
                "one row of three scores",
                "softmax",
                args=(np.array([[1.0, 2.0, 3.0]], dtype=float),),
                expected=np.array([[0.09003057, 0.24472847, 0.66524096]], dtype=float),
            ),
            Check(
                "two rows, one with equal scores",
                "softmax",
                args=(np.array([[0.0, 0.0], [1.0, -1.0]], dtype=float),),
                expected=np.array([[0.5, 0.5], [0.88079708, 0.11920292]], dtype=float),
            ),
            Check(
                "large scores (around 1000)",
                "softmax",
                args=(np.array([[1000.0, 1001.0, 1002.0]], dtype=float),),
                expected=np.array([[0.09003057, 0.24472847, 0.66524096]], dtype=float),
            ),
        ],
    )
