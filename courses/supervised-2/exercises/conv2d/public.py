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
                "a 3x3 image and a 2x2 kernel",
                "conv2d",
                args=(
                    np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]], dtype=float),
                    np.array([[1.0, 0.0], [0.0, -1.0]], dtype=float),
                ),
                expected=np.array([[-4.0, -4.0], [-4.0, -4.0]], dtype=float),
            ),
            Check(
                "a non-square kernel (1x3)",
                "conv2d",
                args=(
                    np.array(
                        [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]],
                        dtype=float,
                    ),
                    np.array([[1.0, 2.0, 1.0]], dtype=float),
                ),
                expected=np.array([[4.0, 8.0], [20.0, 24.0], [36.0, 40.0]], dtype=float),
            ),
        ],
    )
