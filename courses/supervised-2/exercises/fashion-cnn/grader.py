"""Train the learner's CNN on Fashion-MNIST inside the sandbox; check it has a convolutional
layer and score its predictions on the hidden test labels here, outside it."""

from pathlib import Path

import yaml

from feynlab.datasets.scoring import accuracy, grading_data, wilson_interval
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.result import Result, against_bar, check_array, fail

BAR = yaml.safe_load(Path(__file__).with_name("exercise.yaml").read_text())["pass"]["at_least"]
CONV_LAYERS = {"Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D"}


def layer_classes(config):
    """Every layer class named anywhere in a Keras model config (nested models included)."""
    found = set()
    if isinstance(config, dict):
        if isinstance(config.get("class_name"), str):
            found.add(config["class_name"])
        for value in config.values():
            found |= layer_classes(value)
    elif isinstance(config, list):
        for value in config:
            found |= layer_classes(value)
    return found


def grade(judge):
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    model = judge.call("train_model", data.x_train, data.y_train)
    if not isinstance(model, RemoteHandle):
        return fail(
            "`train_model` should return the trained Keras model itself (the object you called "
            f"`fit` on), but it returned a {type(model).__name__}."
        )
    # The model lives in the sandbox: we read the description it gives of its layers.
    classes = layer_classes(model.get_config())
    has_conv = bool(classes & CONV_LAYERS)
    scores = model.predict(data.x_test, verbose=0)
    problem = check_array(scores, name="model.predict", shape=(len(data.x_test), 10), kind="fiu")
    if problem:
        return fail(problem + " The last layer should have 10 units, one score per class.")
    right = int((scores.argmax(axis=1) == data.y_test).sum())
    value = accuracy(scores.argmax(axis=1), data.y_test)
    low, high = wilson_interval(right, len(data.y_test))
    metrics = {"accuracy": value, "ci_low": low, "ci_high": high, "has_conv": float(has_conv)}
    feedback = against_bar("test accuracy", value, BAR)
    feedback += f" ({right} of {len(data.y_test)} hidden test images right; 95% interval "
    feedback += f"{low:.3f} to {high:.3f}.)"
    if not has_conv:
        feedback += (
            "\n\nBut your model has **no convolutional layer**, and this exercise is about "
            "CNNs: add at least one `keras.layers.Conv2D` (reshape the images to "
            "`(28, 28, 1)` first, with `keras.layers.Reshape`)."
        )
    elif value < BAR:
        feedback += (
            " Check that the model trains (`model.fit`), that the last layer is a softmax over "
            "10 units, and try a second convolution with pooling, or one more epoch."
        )
    return Result(score=value, passed=has_conv and value >= BAR, metrics=metrics, feedback=feedback)
