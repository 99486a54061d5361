"""Run the learner's clustering inside the sandbox on unlabeled images: the training images and
a test view drawn here, on the trusted side (a random subset of the hidden test images, shuffled,
with a little noise). Score the clusters against the hidden labels outside (best one-to-one
matching, Hungarian): coarsely on one part for the feedback, exactly on the other for the
decision (docs/grading-integrity.md)."""

import numpy as np

from feynlab.datasets.scoring import clustering_accuracy, grading_data
from feynlab.datasets.view import coarse, draw_view, percent
from feynlab.grading.result import Result, check_array, fail

K = 10


def grade(judge):
    bar, view_block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    view = draw_view(data.x_test, data.y_test, block=view_block, rng=judge.rng)
    clusters = judge.call("cluster_images", data.x_train, view.x)
    problem = check_array(clusters, name="cluster_images", shape=(len(view.x),), kind="iu")
    if problem:
        return fail(problem + " Return one integer cluster id (0 to 9) per test image.")
    if clusters.min() < 0 or clusters.max() >= K:
        return fail(
            f"`cluster_images` returned cluster ids from {clusters.min()} to {clusters.max()}; "
            "they must lie between 0 and 9 (ten clusters)."
        )
    used = len(np.unique(clusters))
    decided = clustering_accuracy(clusters[view.decide], view.y[view.decide], K)
    reported = clustering_accuracy(clusters[view.report], view.y[view.report], K)
    shown = coarse(reported, view_block.report_step)
    passed = decided >= bar
    feedback = (
        f"Your clustering accuracy is about **{percent(shown)}** on {int(view.report.sum()):,} "
        "test images drawn afresh for this grading. (Each of your clusters was matched to the "
        "garment class it fits best, one to one, and the share of images in their matched "
        f"class was counted. You used {used} of the 10 cluster ids.) On a second set of "
        f"{int(view.decide.sum()):,} images, never reported, it "
        + (f"reached the bar of {percent(bar)}: passed. Well done!" if passed else "")
        + ("" if passed else f"stayed below the bar of {percent(bar)}.")
    )
    if used < K:
        feedback += (
            " Some ids are never used, so some classes cannot be matched at all: ask your "
            "clustering for 10 clusters."
        )
    elif not passed:
        feedback += (
            " Compress the images first (an autoencoder's codes, or PCA) and cluster the "
            "codes with a Gaussian mixture with several starts (`n_init`); check that the "
            "autoencoder's loss goes down while it trains."
        )
    return Result(
        score=shown,
        passed=passed,
        metrics={"accuracy": shown, "clusters_used": used},
        feedback=feedback,
        staff_metrics={
            "accuracy": decided,
            "decided_accuracy": decided,
            "reported_accuracy": reported,
            "view_accuracy": clustering_accuracy(clusters, view.y, K),
        },
        predictions={"items": view.items.tolist(), "predicted": clusters.tolist()},
    )
