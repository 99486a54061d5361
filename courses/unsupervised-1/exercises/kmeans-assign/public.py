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
                "four points, two centroids",
                "assign_clusters",
                args=(
                    np.array([[0.0, 0.0], [0.2, 0.1], [5.0, 5.0], [4.8, 5.3]], dtype=float),
                    np.array([[5.0, 5.0], [0.0, 0.0]], dtype=float),
                ),
                expected=np.array([1, 1, 0, 0], dtype=np.int64),
            ),
            Check(
                "three centroids on a line",
                "assign_clusters",
                args=(
                    np.array([[0.1], [2.2], [3.9], [1.2]], dtype=float),
                    np.array([[0.0], [2.0], [4.0]], dtype=float),
                ),
                expected=np.array([0, 1, 2, 1], dtype=np.int64),
            ),
        ],
    )
