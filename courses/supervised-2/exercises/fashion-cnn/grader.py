"""Train the learner's CNN on Fashion-MNIST inside the sandbox; send it a test view drawn here, on
the trusted side (a random subset of the hidden test images, shuffled, slightly distorted), and
score its predictions outside: coarsely on one part for the feedback, exactly on the other for
the decision (docs/grading-integrity.md).

"Has a convolutional layer" is verified from here, not read from the model's own description:
the grader runs probe images through the model's layers one by one, checks that the chain gives
the model's predictions, and looks for a layer with weights whose output moves with the image
(translation equivariance) and mixes neighbouring pixels, which is what a convolution does."""

import numpy as np

from feynlab.datasets.scoring import grading_data
from feynlab.datasets.view import draw_view, score_view, view_feedback
from feynlab.grading.judge import LearnerError, RemoteHandle
from feynlab.grading.result import Result, check_array, fail

MAX_LAYERS = 64
SHIFT = 2  # pixels the probe image is moved by
MARGIN = 6  # empty border of the probe image, so the shift loses nothing


def as_array(value):
    """A layer's output as an array: tensors stay in the sandbox, so we ask them for NumPy."""
    if isinstance(value, RemoteHandle):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64) if isinstance(value, np.ndarray) else None


def probes(image):
    """An image with an empty border, the same moved by SHIFT pixels, a blank and an impulse."""
    base = np.zeros((28, 28), dtype=np.float32)
    base[MARGIN:-MARGIN, MARGIN:-MARGIN] = image[MARGIN:-MARGIN, MARGIN:-MARGIN]
    moved = np.roll(base, (SHIFT, SHIFT), axis=(0, 1))
    impulse = np.zeros_like(base)
    impulse[14, 14] = 1.0
    return np.stack([base, moved, np.zeros_like(base), impulse])


def moves_with_image(out):
    """The probe's output is the base's output moved (by some stride), away from the border."""
    base, moved = out[0], out[1]
    inner = (slice(3, -3), slice(3, -3))
    scale = np.abs(base).max() + 1e-6
    for step in (SHIFT, 1):  # stride 1 moves features by SHIFT, stride 2 by 1
        rolled = np.roll(base, (step, step), axis=(0, 1))
        if np.abs(rolled[inner] - moved[inner]).max() <= 1e-3 * scale:
            return not np.allclose(base[inner], moved[inner])
    return False


def mixes_neighbours(out):
    """An impulse changes the output at more than one place (a kernel wider than a pixel)."""
    changed = np.abs(out[3] - out[2]).max(axis=-1) > 1e-6
    return int(changed.sum()) > 1


def conv_verified(model, image):
    """True when the model is a chain of layers, one of them convolution-like (see above)."""
    layers = []
    try:
        for index in range(MAX_LAYERS):
            layers.append(model.get_layer(index=index))
    except LearnerError:
        pass  # past the last layer (or no get_layer at all)
    if not layers or not all(isinstance(layer, RemoteHandle) for layer in layers):
        return False
    batch = probes(image)
    try:
        value, outputs = batch, []
        for layer in layers:
            value = layer(value)
            outputs.append(value)
        final = as_array(value)
        expected = model.predict(batch, verbose=0)
        if final is None or not isinstance(expected, np.ndarray) or final.shape != expected.shape:
            return False
        if not np.allclose(final, expected, atol=1e-4, rtol=1e-3):
            return False  # the layers shown are not what computes the predictions
        for layer, output in zip(layers, outputs, strict=True):
            out = as_array(output)
            if out is None or out.ndim != 4 or not layer.count_params():
                continue
            if moves_with_image(out) and mixes_neighbours(out):
                return True
    except LearnerError:
        return False
    return False


def grade(judge):
    bar, view_block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    # the training images by reference: the learner's side memory-maps the public file
    model = judge.call("train_model", judge.public_array(data.x_train_file), data.y_train)
    if not isinstance(model, RemoteHandle):
        return fail(
            "`train_model` should return the trained Keras model itself (the object you called "
            f"`fit` on), but it returned a {type(model).__name__}."
        )
    view = draw_view(data.x_test, data.y_test, block=view_block, rng=judge.rng)
    scores = model.predict(view.x, verbose=0)
    problem = check_array(scores, name="model.predict", shape=(len(view.x), 10), kind="fiu")
    if problem:
        return fail(problem + " The last layer should have 10 units, one score per class.")
    has_conv = conv_verified(model, view.x[0])
    predicted = scores.argmax(axis=1)
    score = score_view(view, predicted == view.y, step=view_block.report_step)
    passed = has_conv and score.decided >= bar
    feedback = view_feedback(score, what="test accuracy", bar=bar, other_rules_met=has_conv)
    if not has_conv:
        feedback += (
            "\n\nBut we found **no convolutional layer** in your model, and this exercise is "
            "about CNNs. We check by running test images through your model's layers one by "
            "one, so build it as a chain (`keras.Sequential`) with at least one "
            "`keras.layers.Conv2D` (reshape the images to `(28, 28, 1)` first, with "
            "`keras.layers.Reshape`)."
        )
    elif not passed:
        feedback += (
            " Check that the model trains (`model.fit`), that the last layer is a softmax over "
            "10 units, and try a second convolution with pooling, or one more epoch."
        )
    shown = score.reported
    return Result(
        score=shown["accuracy"],
        passed=passed,
        metrics={**shown, "has_conv": float(has_conv)},
        feedback=feedback,
        staff_metrics={**score.staff(), "has_conv": float(has_conv)},
        predictions={"items": view.items.tolist(), "predicted": predicted.tolist()},
    )
