"""predict-your-score: the learner's `train_and_estimate` is called twice, on a small and on a
large random set of Fashion-MNIST training images (sizes drawn anew every grading), and each
time returns a model and a 95% interval for its accuracy on images it never saw. The grader
draws one fresh test view on the trusted side (feynlab.datasets.view), reports each model's
accuracy on the public half only, coarsely, and decides on the private half: the large model's
accuracy must reach the bar, and for both models the interval must be about as narrow as the
training images allow and the private accuracy must land inside it (give or take the private
half's own uncertainty). A figure measured on the training images is optimistic by several
points and fails; so does an interval copied from an earlier grading's feedback (one interval
cannot fit a model trained on 200 images and one trained on 5,000)."""

import math

import numpy as np

from feynlab.datasets.scoring import grading_data, wilson_interval
from feynlab.datasets.view import draw_view, percent, score_view
from feynlab.grading.judge import LearnerError, RemoteHandle
from feynlab.grading.result import Result, check_array, fail

SIZES = ((150, 300), (2500, 5000))  # the two training sets of a grading, drawn log-uniformly
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


def _points(share):
    return f"{share * 100:.1f} points"


def _claim_problem(low, high, n, private_low, private_high):
    """Why the claim [low, high] is not an honest, useful 95% interval, or None."""
    centre = (low + high) / 2
    w_low, w_high = wilson_interval(round(centre * n), n)
    cap = WIDTH_FACTOR * (w_high - w_low)
    if high - low > cap:
        return "too wide", (
            f"Your interval for the model trained on {n:,} images is {_points(high - low)} "
            f"wide. From {n:,} images an honest 95% interval can be about "
            f"{_points(w_high - w_low)} wide (when every image is used once for validation, as "
            f"cross-validation does); at most {_points(cap)} is accepted. An interval that says "
            "little is easy to get right: hold out more images, or use cross-validation."
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


def _size(rng, smallest, largest):
    return int(round(math.exp(rng.uniform(math.log(smallest), math.log(largest)))))


def _attempt(judge, data, rng, n):
    """Call `train_and_estimate` on n training images drawn from `rng`: (model, low, high),
    or a failed Result."""
    chosen = np.sort(rng.choice(len(data.x_train), n, replace=False))
    answer = judge.call("train_and_estimate", data.x_train[chosen], data.y_train[chosen])
    unpacked, problem = _unpack(answer)
    if problem:
        return None, fail(problem, summary="not a model and an interval")
    return unpacked, None


def _predict(model, view):
    """The model's predicted labels on the view, or a failed Result."""
    try:  # a Keras model, a PyTorch nn.Module, a scikit-learn classifier (sandbox/adapters.py)
        scores = model.predict(view.x, verbose=0)
    except LearnerError as exc:
        if exc.exc_type != "NotAModel":
            raise
        return None, fail(
            f"The first value returned is not a trained model. {NEEDED}", summary="not a model"
        )
    problem = check_array(scores, name="model.predict", shape=(len(view.x), 10), kind="fiu")
    if problem:
        return None, fail(
            problem + " The model should give 10 scores per image, one per kind of garment.",
            summary="scores of the wrong shape",
        )
    return scores.argmax(axis=1), None


def grade(judge):
    bar, block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    # Unrelated child streams: the training subsets (which reach the sandbox) and the view
    # (whose choice of items never does), as draw_view itself separates its streams.
    train_rng, view_rng = judge.rng.spawn(2)
    sizes = [_size(train_rng, *bounds) for bounds in SIZES]
    claims = []
    for n in sizes:
        claim, failed = _attempt(judge, data, train_rng, n)
        if failed:
            return failed
        claims.append(claim)

    view = draw_view(data.x_test, data.y_test, block=block, rng=view_rng)
    lines, verdicts, scores, predicted_large = [], [], [], None
    lines.append(
        f"This grading drew **{view.report.sum() + view.decide.sum():,} test images** afresh "
        "(slightly noisy) and split them at random: the **public half** is reported below, "
        "rounded to half a point; the **private half** decides and is never reported."
    )
    for n, (model, low, high) in zip(sizes, claims, strict=True):
        predicted, failed = _predict(model, view)
        if failed:
            return failed
        predicted_large = predicted
        score = score_view(view, predicted == view.y, step=block.report_step)
        shown = score.reported
        p_low, p_high = wilson_interval(score.right_decide, score.n_decide, z=Z_PRIVATE)
        verdict, claim_text = _claim_problem(low, high, n, p_low - ALLOWANCE, p_high + ALLOWANCE)
        verdicts.append(verdict)
        scores.append((score, p_low, p_high, low, high))
        line = (
            f"**Trained on {n:,} images**: you said {percent(low)} to {percent(high)}; the public "
            f"half measured about {percent(shown['accuracy'])} (95% interval "
            f"{percent(shown['ci_low'])} to {percent(shown['ci_high'])}); on the private half "
        )
        if verdict is None:
            line += "the accuracy landed inside your interval, give or take its own uncertainty."
        elif verdict == "too wide":
            line = line.removesuffix("; on the private half ") + ". Your interval is too wide."
        else:
            line += f"the accuracy showed your interval was {verdict}."
        lines.append(line)
        if claim_text and claim_text not in lines:
            lines.append(claim_text)
    large = scores[-1][0]
    accurate = large.decided >= bar
    passed = accurate and all(v is None for v in verdicts)
    if not accurate:
        lines.append(
            f"On the private half the model trained on {sizes[-1]:,} images stayed below the "
            f"bar of {percent(bar)}. Train it on all the images you are given (after "
            "estimating) and check it learns: a nearest-neighbour classifier reaches the bar."
        )
    lines.append(
        "The public and the private halves are two random samples of the same test set: "
        "their figures differ by about a point by chance alone, and both are drawn anew every "
        "grading, as are the numbers of training images. Submitting again to raise the public "
        "figure chases that chance, and a figure copied from this feedback will not fit the "
        "next grading's models. Your own validation is the figure that travels with your model."
        + (" Passed. Well done!" if passed else "")
    )
    shown = large.reported
    low, high = claims[-1][1], claims[-1][2]
    summary = (
        f"{sum(v is None for v in verdicts)} of 2 intervals honest; public test accuracy "
        f"{percent(shown['accuracy'])} for the model trained on {sizes[-1]:,} images"
    )
    staff = {**large.staff()}
    for tag, (score, p_low, p_high, c_low, c_high), verdict in zip(
        ("small", "large"), scores, verdicts, strict=True
    ):
        staff |= {
            f"{tag}_decided_accuracy": score.decided,
            f"{tag}_reported_accuracy": score.right_report / score.n_report,
            f"{tag}_private_low_99": p_low,
            f"{tag}_private_high_99": p_high,
            f"{tag}_claim_low": c_low,
            f"{tag}_claim_high": c_high,
            f"{tag}_claim_consistent": float(verdict is None),
        }
    return Result(
        score=shown["accuracy"],
        passed=passed,
        metrics={
            **shown,
            "claim_low": low,
            "claim_high": high,
            "small_training_images": float(sizes[0]),
            "training_images": float(sizes[-1]),
            "honest_intervals": float(sum(v is None for v in verdicts)),
        },
        feedback="\n\n".join(lines),
        summary=summary,
        staff_metrics=staff,
        predictions={"items": view.items.tolist(), "predicted": predicted_large.tolist()},
    )
