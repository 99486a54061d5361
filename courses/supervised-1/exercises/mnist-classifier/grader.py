"""Train the learner's model on MNIST inside the sandbox; send it a test view drawn here, on the
trusted side (a random subset of the hidden test images, shuffled, slightly distorted), and score
its predictions outside: coarsely on one part for the feedback, exactly on the other for the
decision (docs/grading-integrity.md)."""

from feynlab.datasets.scoring import grading_data
from feynlab.datasets.view import draw_view, percent, score_view, view_feedback
from feynlab.grading.judge import LearnerError, RemoteHandle
from feynlab.grading.result import Result, check_array, fail

NEEDED = (
    "Return a model with `predict(x)` giving (n, 10) scores, one row per image: the Keras "
    "model you called `fit` on, a PyTorch `nn.Module`, or a scikit-learn classifier with "
    "`predict_proba`."
)


def _what(value):
    name = value.type_name if isinstance(value, RemoteHandle) else type(value).__name__
    if value is None:
        return "nothing (None); is a `return model` missing"
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}, which is not such a model"


def grade(judge):
    bar, view_block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("mnist", judge.public_dir.parent)
    # the training images by reference: the learner's side memory-maps the public file
    model = judge.call("train_model", judge.public_array(data.x_train_file), data.y_train)
    if not isinstance(model, RemoteHandle):
        return fail(
            f"`train_model` returned {_what(model)}. {NEEDED}",
            summary="not a model",
        )
    view = draw_view(data.x_test, data.y_test, block=view_block, rng=judge.rng)
    try:  # a Keras model, a PyTorch nn.Module, a scikit-learn classifier (sandbox/adapters.py)
        scores = model.predict(view.x, verbose=0)
    except LearnerError as exc:
        if exc.exc_type != "NotAModel":
            raise
        return fail(f"`train_model` returned {_what(model)}. {NEEDED}", summary="not a model")
    problem = check_array(scores, name="model.predict", shape=(len(view.x), 10), kind="fiu")
    if problem:
        return fail(
            problem + " The last layer should have 10 units, one score per digit.",
            summary="scores of the wrong shape",
        )
    predicted = scores.argmax(axis=1)
    score = score_view(view, predicted == view.y, step=view_block.report_step)
    passed = score.decided >= bar
    feedback = view_feedback(score, what="test accuracy", bar=bar)
    if not passed:
        feedback += (
            " Check that the model trains (call `model.fit`, or your own training loop), that "
            "the last layer has 10 outputs, and try one more epoch or a larger hidden layer."
        )
    shown = score.reported
    summary = (
        f"test accuracy {percent(shown['accuracy'])} on {score.n_report:,} hidden images "
        f"(the bar is {percent(bar)})"
    )
    return Result(
        score=shown["accuracy"],
        passed=passed,
        metrics=shown,
        feedback=feedback,
        summary=summary,
        staff_metrics=score.staff(),
        predictions={"items": view.items.tolist(), "predicted": predicted.tolist()},
    )
