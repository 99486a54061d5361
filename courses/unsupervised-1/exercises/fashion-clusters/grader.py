"""Run the learner's clustering inside the sandbox on unlabeled images; score the clusters
against the hidden test labels here, outside it (best one-to-one matching, Hungarian)."""

from pathlib import Path

import numpy as np
import yaml

from feynlab.datasets.scoring import clustering_accuracy, grading_data
from feynlab.grading.result import Result, against_bar, check_array, fail

BAR = yaml.safe_load(Path(__file__).with_name("exercise.yaml").read_text())["pass"]["at_least"]
K = 10


def grade(judge):
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    clusters = judge.call("cluster_images", data.x_train, data.x_test)
    problem = check_array(clusters, name="cluster_images", shape=(len(data.x_test),), kind="iu")
    if problem:
        return fail(problem + " Return one integer cluster id (0 to 9) per test image.")
    if clusters.min() < 0 or clusters.max() >= K:
        return fail(
            f"`cluster_images` returned cluster ids from {clusters.min()} to {clusters.max()}; "
            "they must lie between 0 and 9 (ten clusters)."
        )
    used = len(np.unique(clusters))
    value = clustering_accuracy(clusters, data.y_test, K)
    feedback = against_bar("clustering accuracy", value, BAR)
    feedback += (
        " (Each of your clusters was matched to the garment class it fits best, one to one, "
        f"and the share of test images in their matched class was counted. You used {used} "
        "of the 10 cluster ids.)"
    )
    if used < K:
        feedback += (
            " Some ids are never used, so some classes cannot be matched at all: ask your "
            "clustering for 10 clusters."
        )
    elif value < BAR:
        feedback += (
            " Compress the images first (an autoencoder's codes, or PCA) and cluster the "
            "codes with a Gaussian mixture with several starts (`n_init`); check that the "
            "autoencoder's loss goes down while it trains."
        )
    return Result(
        score=value, metrics={"accuracy": value, "clusters_used": used}, feedback=feedback
    )
