"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

`train_and_estimate` gets 1,000 public Fashion-MNIST training images; its model is then tried on
1,000 other public images (never the hidden test set, which only grader.py sees), and the
accuracy there is compared with the interval it claimed. Submit grades on hidden images, with
a new number of training images every time."""

import numpy as np

from feynlab.datasets.scoring import wilson_interval
from feynlab.datasets.service import load_public
from feynlab.datasets.view import percent
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.public import Check, run_checks
from feynlab.grading.result import check_array

TRAIN, TRIED = 1000, 1000


def grade(judge):
    public = load_public("fashion-mnist", data_dir=judge.public_dir.parent)
    x = np.asarray(public["x_train"][-(TRAIN + TRIED) :], dtype=np.float32) / np.float32(255)
    y = np.asarray(public["y_train"][-(TRAIN + TRIED) :], dtype=np.int64)
    x_tried, y_tried = x[TRAIN:], y[TRAIN:]
    seen = {}

    def model_and_interval(answer):
        if not isinstance(answer, tuple | list) or len(answer) != 3:
            return "return three values: `return model, low, high`"
        model, low, high = answer
        if not isinstance(model, RemoteHandle):
            return "the first value should be the trained model (with `predict_proba`)"
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
            return "`low` and `high` should be numbers"
        if not 0 <= low <= high <= 1:
            return f"the interval {low:g} to {high:g} should satisfy 0 <= low <= high <= 1"
        scores = model.predict(x_tried, verbose=0)
        problem = check_array(scores, name="model.predict", shape=(TRIED, 10), kind="fiu")
        if problem:
            return problem
        seen["right"] = int((scores.argmax(axis=1) == y_tried).sum())
        seen["claim"] = (float(low), float(high))
        return None

    def interval_fits(answer):
        if "right" not in seen:
            return "see the check before: no model and interval to try"
        low, high = seen["claim"]
        accuracy = seen["right"] / TRIED
        w_low, w_high = wilson_interval(seen["right"], TRIED, z=2.576)
        if high - low > 0.15:
            return (
                f"your interval {percent(low)} to {percent(high)} is wide; with 1,000 images "
                "an honest one is about 5 points wide (the grade accepts 1.5 times that)"
            )
        if not (low <= w_high + 0.005 and w_low - 0.005 <= high):
            side = "above" if low > accuracy else "below"
            return (
                f"the model is right on {percent(accuracy)} of 1,000 images it never saw, "
                f"well {'below' if side == 'above' else 'above'} your interval "
                f"{percent(low)} to {percent(high)}"
            )
        return None

    return run_checks(
        judge,
        [
            Check(
                "trained on 1,000 public images, it returns a model and an interval",
                "train_and_estimate",
                args=(x[:TRAIN], y[:TRAIN]),
                test=model_and_interval,
                shown_input="model, low, high = train_and_estimate(x_train[-2000:-1000], "
                "y_train[-2000:-1000])",
                shown_expected="a model with 10 scores per image, and 0 <= low <= high <= 1",
            ),
            Check(
                "its accuracy on 1,000 other public images fits the interval",
                "train_and_estimate",
                reuse=True,
                test=interval_fits,
                shown_input="model.predict(x_train[-1000:]) against the public labels",
                shown_expected="an accuracy inside [low, high], give or take its own uncertainty",
            ),
        ],
    )
