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
                "a 4x4 image",
                "max_pool",
                args=(
                    np.array(
                        [
                            [1.0, 3.0, 2.0, 0.0],
                            [4.0, 2.0, 1.0, 5.0],
                            [0.0, 1.0, 9.0, 2.0],
                            [3.0, 2.0, 4.0, 8.0],
                        ],
                        dtype=float,
                    ),
                ),
                expected=np.array([[4.0, 5.0], [3.0, 9.0]], dtype=float),
            ),
            Check(
                "an odd size (3x5): the last row and column are dropped",
                "max_pool",
                args=(
                    np.array(
                        [
                            [0.0, 1.0, 2.0, 3.0, 4.0],
                            [5.0, 6.0, 7.0, 8.0, 9.0],
                            [10.0, 11.0, 12.0, 13.0, 14.0],
                        ],
                        dtype=float,
                    ),
                ),
                expected=np.array([[6.0, 8.0]], dtype=float),
            ),
            Check(
                "negative values only",
                "max_pool",
                args=(
                    np.array(
                        [
                            [-1.0, -2.0, -3.0, -4.0],
                            [-5.0, -6.0, -7.0, -8.0],
                            [-9.0, -10.0, -11.0, -12.0],
                            [-13.0, -14.0, -15.0, -16.0],
                        ],
                        dtype=float,
                    ),
                ),
                expected=np.array([[-1.0, -3.0], [-9.0, -11.0]], dtype=float),
            ),
        ],
    )
