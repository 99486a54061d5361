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
                "two clusters of two points",
                "update_centroids",
                args=(
                    np.array([[0.0, 0.0], [2.0, 0.0], [4.0, 4.0], [6.0, 4.0]], dtype=float),
                    np.array([0, 0, 1, 1], dtype=np.int64),
                    np.array([[0.5, 0.5], [5.0, 5.0]], dtype=float),
                ),
                expected=np.array([[1.0, 0.0], [5.0, 4.0]], dtype=float),
            ),
            Check(
                "a cluster with no points keeps its centroid",
                "update_centroids",
                args=(
                    np.array([[1.0, 1.0], [3.0, 3.0]], dtype=float),
                    np.array([0, 0], dtype=np.int64),
                    np.array([[0.0, 0.0], [9.0, 9.0]], dtype=float),
                ),
                expected=np.array([[2.0, 2.0], [9.0, 9.0]], dtype=float),
            ),
        ],
    )
