"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

Everything here is shown to the learner: the inputs and the expected answers. The grade rests on
grader.py's hidden cases, never on these."""

import numpy as np

from feynlab.grading.public import Check, run_checks


def _same(expected):
    def test(got):
        if not isinstance(got, list | tuple) or len(got) != len(expected):
            return f"expected a list of {len(expected)} pairs (train_index, val_index)"
        for r, (pair, (train, val)) in enumerate(zip(got, expected, strict=True)):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                return f"round {r} is not a pair (train_index, val_index)"
            if list(np.asarray(pair[0]).tolist()) != train:
                return f"round {r}: train_index is {np.asarray(pair[0]).tolist()}, expected {train}"
            if list(np.asarray(pair[1]).tolist()) != val:
                return f"round {r}: val_index is {np.asarray(pair[1]).tolist()}, expected {val}"
        return None

    return test


FIVE_TWO = [([3, 4], [0, 1, 2]), ([0, 1, 2], [3, 4])]
SIX_THREE = [([2, 3, 4, 5], [0, 1]), ([0, 1, 4, 5], [2, 3]), ([0, 1, 2, 3], [4, 5])]


def grade(judge):
    return run_checks(
        judge,
        [
            Check(
                "5 examples, 2 folds (the statement's example)",
                "k_fold_indices",
                args=(5, 2),
                test=_same(FIVE_TWO),
                shown_input="k_fold_indices(5, 2)",
                shown_expected=str(FIVE_TWO),
            ),
            Check(
                "6 examples, 3 folds",
                "k_fold_indices",
                args=(6, 3),
                test=_same(SIX_THREE),
                shown_input="k_fold_indices(6, 3)",
                shown_expected=str(SIX_THREE),
            ),
        ],
    )
