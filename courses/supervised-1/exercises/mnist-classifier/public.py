"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

A small public sample: `train_model` is trained on 3,000 of the public training images and
tried on 500 others of them (never on the hidden test set, which only grader.py sees). A model
that learns anything passes the bar here easily; Submit grades on the hidden test view."""

import numpy as np

from feynlab.datasets.service import load_public
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.public import Check, run_checks
from feynlab.grading.result import check_array

TRAIN, TRIED = 3000, 500
SAMPLE_BAR = 0.6  # far below the real bar: the sample is small


def grade(judge):
    public = load_public("mnist", data_dir=judge.public_dir.parent)
    x = np.asarray(public["x_train"][: TRAIN + TRIED], dtype=np.float32) / np.float32(255)
    y = np.asarray(public["y_train"][: TRAIN + TRIED], dtype=np.int64)
    x_tried, y_tried = x[TRAIN:], y[TRAIN:]

    scores = {}

    def predicts_scores(model):
        if not isinstance(model, RemoteHandle):
            return "`train_model` should return the trained model (with `predict`)"
        scores["x"] = model.predict(x_tried, verbose=0)
        return check_array(scores["x"], name="model.predict", shape=(TRIED, 10), kind="fiu")

    def predicts_well(model):
        if "x" not in scores or check_array(scores["x"], name="", shape=(TRIED, 10), kind="fiu"):
            return "see the check before: the scores are not (500, 10) numbers"
        accuracy = float((scores["x"].argmax(axis=1) == y_tried).mean())
        if accuracy < SAMPLE_BAR:
            return (
                f"the model is right on {accuracy:.0%} of the 500 sample images; at least "
                f"{SAMPLE_BAR:.0%} is expected here. Did you train it (`model.fit`)?"
            )
        return None

    return run_checks(
        judge,
        [
            Check(
                "trained on 3,000 public images, it gives 10 scores per image",
                "train_model",
                args=(x[:TRAIN], y[:TRAIN]),
                test=predicts_scores,
                shown_input="model = train_model(x_train[:3000], y_train[:3000]); "
                "model.predict(x_train[3000:3500])",
                shown_expected="scores of shape (500, 10)",
            ),
            Check(
                "it is right on most of those 500 images",
                "train_model",
                reuse=True,
                test=predicts_well,
                shown_input="the same 500 images, against their public labels",
                shown_expected=f"the top score on the right digit for at least {SAMPLE_BAR:.0%}",
            ),
        ],
    )
