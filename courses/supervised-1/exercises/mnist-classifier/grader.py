"""Train the learner's model on MNIST inside the sandbox; send it a test view drawn here, on the
trusted side (a random subset of the hidden test images, shuffled, slightly distorted), and score
its predictions outside: coarsely on one part for the feedback, exactly on the other for the
decision (docs/grading-integrity.md)."""

from feynlab.datasets.scoring import grading_data
from feynlab.datasets.view import draw_view, score_view, view_feedback
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.result import Result, check_array, fail



def grade(judge):
    bar, view_block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("mnist", judge.public_dir.parent)
    model = judge.call("train_model", data.x_train, data.y_train)
    if not isinstance(model, RemoteHandle):
        return fail(
            "`train_model` should return the trained Keras model itself (the object you called "
            f"`fit` on), but it returned a {type(model).__name__}."
        )
    view = draw_view(data.x_test, data.y_test, block=view_block, rng=judge.rng)
    scores = model.predict(view.x, verbose=0)
    problem = check_array(scores, name="model.predict", shape=(len(view.x), 10), kind="fiu")
    if problem:
        return fail(problem + " The last layer should have 10 units, one score per digit.")
    predicted = scores.argmax(axis=1)
    score = score_view(view, predicted == view.y, step=view_block.report_step)
    passed = score.decided >= bar
    feedback = view_feedback(score, what="test accuracy", bar=bar)
    if not passed:
        feedback += (
            " Check that the model trains (call `model.fit`), that the last layer has a "
            "softmax over 10 units, and try one more epoch or a larger hidden layer."
        )
    shown = score.reported
    return Result(
        score=shown["accuracy"],
        passed=passed,
        metrics=shown,
        feedback=feedback,
        staff_metrics=score.staff(),
        predictions={"items": view.items.tolist(), "predicted": predicted.tolist()},
    )
