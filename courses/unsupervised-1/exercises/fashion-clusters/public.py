"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

A small public sample: `cluster_images` learns from 3,000 public training images and clusters
500 others of them, scored against their public labels (never the hidden test set, which only
grader.py sees). Submit grades on the hidden test view."""

import numpy as np

from feynlab.datasets.scoring import clustering_accuracy
from feynlab.datasets.service import load_public
from feynlab.grading.public import Check, run_checks
from feynlab.grading.result import check_array

TRAIN, TRIED = 3000, 500
SAMPLE_BAR = 0.3  # far below the real bar: the sample is small


def grade(judge):
    public = load_public("fashion-mnist", data_dir=judge.public_dir.parent)
    x = np.asarray(public["x_train"][: TRAIN + TRIED], dtype=np.float32) / np.float32(255)
    y = np.asarray(public["y_train"][: TRAIN + TRIED], dtype=np.int64)

    def cluster_ids(clusters):
        problem = check_array(clusters, name="cluster_images", shape=(TRIED,), kind="iu")
        if problem:
            return problem
        if clusters.min() < 0 or clusters.max() > 9:
            return "every cluster id should be between 0 and 9"
        return None

    def clusters_well(clusters):
        if cluster_ids(clusters):
            return "see the check before: these are not 500 cluster ids from 0 to 9"
        accuracy = clustering_accuracy(clusters, y[TRAIN:])
        if accuracy < SAMPLE_BAR:
            return (
                f"matched to the classes at best, the clusters are right on {accuracy:.0%} of "
                f"the 500 sample images; at least {SAMPLE_BAR:.0%} is expected here"
            )
        return None

    return run_checks(
        judge,
        [
            Check(
                "one cluster id (0-9) per image",
                "cluster_images",
                args=(x[:TRAIN], x[TRAIN:]),
                test=cluster_ids,
                shown_input="cluster_images(x_train[:3000], x_train[3000:3500])",
                shown_expected="500 integers from 0 to 9",
            ),
            Check(
                "the clusters follow the classes",
                "cluster_images",
                reuse=True,
                test=clusters_well,
                shown_input="the same 500 images, against their public labels",
                shown_expected=f"clusters matching the classes on at least {SAMPLE_BAR:.0%}",
            ),
        ],
    )
