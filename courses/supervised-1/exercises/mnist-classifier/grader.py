"""Train the learner's model on MNIST inside the sandbox; score its predictions on the hidden
test labels here, outside it."""

from pathlib import Path

import yaml

from feynlab.datasets.scoring import accuracy, grading_data, wilson_interval
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.result import Result, against_bar, check_array, fail

BAR = yaml.safe_load(Path(__file__).with_name("exercise.yaml").read_text())["pass"]["at_least"]


def grade(judge):
    data = grading_data("mnist", judge.public_dir.parent)
    model = judge.call("train_model", data.x_train, data.y_train)
    if not isinstance(model, RemoteHandle):
        return fail(
            "`train_model` should return the trained Keras model itself (the object you called "
            f"`fit` on), but it returned a {type(model).__name__}."
        )
    scores = model.predict(data.x_test, verbose=0)
    problem = check_array(scores, name="model.predict", shape=(len(data.x_test), 10), kind="fiu")
    if problem:
        return fail(problem + " The last layer should have 10 units, one score per digit.")
    right = int((scores.argmax(axis=1) == data.y_test).sum())
    value = accuracy(scores.argmax(axis=1), data.y_test)
    low, high = wilson_interval(right, len(data.y_test))
    feedback = against_bar("test accuracy", value, BAR)
    feedback += f" ({right} of {len(data.y_test)} hidden test images right; 95% interval "
    feedback += f"{low:.3f} to {high:.3f}.)"
    if value < BAR:
        feedback += (
            " Check that the model trains (call `model.fit`), that the last layer has a "
            "softmax over 10 units, and try one more epoch or a larger hidden layer."
        )
    return Result(
        score=value,
        metrics={"accuracy": value, "ci_low": low, "ci_high": high},
        feedback=feedback,
    )
