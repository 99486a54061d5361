"""predict-your-score: the learner trains a classifier on a random number of Fashion-MNIST
training images (500 to 5,000, a new draw every grading) and states a 95% interval for its
accuracy on images it never saw. The grader draws a fresh test view on the trusted side
(feynlab.datasets.view), reports the model's accuracy on the public half only, coarsely, and
decides on the private half: the accuracy must reach the bar, the interval must be about as
narrow as the training images allow, and the private accuracy must land inside it (give or take
the private half's own uncertainty). A figure measured on the training images is optimistic by
several points and fails; so does an interval copied from an earlier grading's public figure
(the training-set size, hence the accuracy, changes every grading)."""

import math

import numpy as np

from feynlab.datasets.scoring import grading_data, wilson_interval
from feynlab.datasets.view import draw_view, percent, score_view
from feynlab.grading.judge import LearnerError, RemoteHandle
from feynlab.grading.result import Result, check_array, fail

SMALLEST, LARGEST = 500, 5000  # training images per grading, drawn log-uniformly
WIDTH_FACTOR = 1.5  # the claim may be 1.5x as wide as a 95% interval on all n training images
Z_PRIVATE = 2.576  # the private accuracy's own uncertainty: a 99% interval around it
ALLOWANCE = 0.005  # half a point more, for the noise the test images carry

NEEDED = (
    "Return three things: `return model, low, high`, where `model` is the trained classifier "
    "(a scikit-learn classifier with `predict_proba`, or a Keras model giving 10 scores per "
    "image) and `low`, `high` are your 95% interval for its accuracy on new images, as "
    "numbers between 0 and 1 (0.78 for 78%)."
)


def _number(value):
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _unpack(answer):
    if not isinstance(answer, tuple | list) or len(answer) != 3:
        got = "nothing (None)" if answer is None else f"a {type(answer).__name__}"
        if isinstance(answer, tuple | list):
            got = f"{len(answer)} values"
        return None, f"`train_and_estimate` returned {got}. {NEEDED}"
    model, low, high = answer
    if not isinstance(model, RemoteHandle):
        return None, f"The first value returned is not a trained model. {NEEDED}"
    low, high = _number(low), _number(high)
    if low is None or high is None:
        return None, f"`low` and `high` must be numbers. {NEEDED}"
    if not 0 <= low <= high <= 1:
        return None, (
            f"Your interval runs from {low:g} to {high:g}; it should satisfy "
            "0 <= low <= high <= 1 (write 0.78 for 78%, not 78)."
        )
    return (model, low, high), None


def _claim_problem(low, high, n, private_low, private_high):
    """Why the claim [low, high] is not an honest, useful 95% interval, or None."""
    centre = (low + high) / 2
    w_low, w_high = wilson_interval(round(centre * n), n)
    cap = WIDTH_FACTOR * (w_high - w_low)
    if high - low > cap:
        return "too wide", (
            f"Your interval is {percent(high - low)} wide. With {n:,} training images an honest "
            f"95% interval can be about {percent(w_high - w_low)} wide (when every image is "
            f"used once for validation, as cross-validation does); at most {percent(cap)} is "
            "accepted. An interval that says little is easy to get right: hold out more images, "
            "or use cross-validation."
        )
    if low > private_high:
        return "too optimistic", (
            "Your interval was **optimistic**: on the private half of the test images your "
            "model's accuracy was below your interval, by more than chance explains. Did you "
            "measure on the images the model was trained on? It has seen their answers; "
            "measure on images held out from training (cross-validation)."
        )
    if high < private_low:
        return "too pessimistic", (
            "Your interval was **pessimistic**: on the private half of the test images your "
            "model did better than your interval, by more than chance explains. Did you measure "
            "a different model from the one you returned (one trained on far fewer images)?"
        )
    return None, None


def grade(judge):
    bar, block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    # Two unrelated child streams: the training subset (which reaches the sandbox) and the
    # view (whose choice of items never does), as draw_view itself separates its streams.
    train_rng, view_rng = judge.rng.spawn(2)
    n = int(round(math.exp(train_rng.uniform(math.log(SMALLEST), math.log(LARGEST)))))
    chosen = np.sort(train_rng.choice(len(data.x_train), n, replace=False))
    answer = judge.call("train_and_estimate", data.x_train[chosen], data.y_train[chosen])
    unpacked, problem = _unpack(answer)
    if problem:
        return fail(problem, summary="not a model and an interval")
    model, low, high = unpacked

    view = draw_view(data.x_test, data.y_test, block=block, rng=view_rng)
    try:  # a Keras model, a PyTorch nn.Module, a scikit-learn classifier (sandbox/adapters.py)
        scores = model.predict(view.x, verbose=0)
    except LearnerError as exc:
        if exc.exc_type != "NotAModel":
            raise
        return fail(
            f"The first value returned is not a trained model. {NEEDED}", summary="not a model"
        )
    problem = check_array(scores, name="model.predict", shape=(len(view.x), 10), kind="fiu")
    if problem:
        return fail(
            problem + " The model should give 10 scores per image, one per kind of garment.",
            summary="scores of the wrong shape",
        )
    score = score_view(view, scores.argmax(axis=1) == view.y, step=block.report_step)
    shown = score.reported
    p_low, p_high = wilson_interval(score.right_decide, score.n_decide, z=Z_PRIVATE)
    verdict, claim_text = _claim_problem(low, high, n, p_low - ALLOWANCE, p_high + ALLOWANCE)
    accurate = score.decided >= bar
    passed = accurate and verdict is None

    lines = [
        f"This grading gave your code **{n:,} training images**, and your model said its "
        f"accuracy on new images lies between **{percent(low)} and {percent(high)}**.",
        f"**Public figure**: on {score.n_report:,} test images drawn afresh for this grading, "
        f"slightly noisy, it was right on about **{percent(shown['accuracy'])}** (95% interval "
        f"{percent(shown['ci_low'])} to {percent(shown['ci_high'])}).",
    ]
    private = f"**Private half** ({score.n_decide:,} other test images, never reported): "
    if not accurate:
        private += f"the accuracy stayed below the bar of {percent(bar)}."
    elif verdict is None:
        private += (
            f"above the bar of {percent(bar)}, and inside your interval (give or take its own "
            "uncertainty): your estimate was honest."
        )
    else:
        private += f"above the bar of {percent(bar)}, but your interval was {verdict}."
    lines.append(private)
    if claim_text:
        lines.append(claim_text)
    if not accurate:
        lines.append(
            "Train the model on all the images you are given (after estimating), and check it "
            "learns: a nearest-neighbour classifier with a few neighbours reaches the bar."
        )
    lines.append(
        "The public and the private halves are two random samples of the same test set: "
        "their figures differ by about a point by chance alone, and both are drawn anew every "
        "grading. Submitting again to raise the public figure chases that chance; the next "
        "training set has another size, so a figure copied from this grading will not fit the "
        "next one. Your own validation is the figure that travels with your model."
        + (" Passed. Well done!" if passed else "")
    )
    summary = (
        f"interval {percent(low)} to {percent(high)} for a model trained on {n:,} images; "
        f"public test accuracy {percent(shown['accuracy'])}"
    )
    return Result(
        score=shown["accuracy"],
        passed=passed,
        metrics={**shown, "claim_low": low, "claim_high": high, "training_images": float(n)},
        feedback="\n\n".join(lines),
        summary=summary,
        staff_metrics={
            **score.staff(),
            "private_low_99": p_low,
            "private_high_99": p_high,
            "claim_width": high - low,
            "claim_consistent": float(verdict is None),
        },
        predictions={"items": view.items.tolist(), "predicted": scores.argmax(axis=1).tolist()},
    )
