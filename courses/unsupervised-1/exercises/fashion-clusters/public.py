"""Public checks of this exercise, run by the Run button (docs/authoring.md, "Public checks").

A small public sample: `train_autoencoder` learns from 3,000 public training images; its encoder
and decoder then rebuild 500 others of them. `cluster_codes` groups 500 made-up codes that fall
in 10 clear groups. Never the hidden test set, which only grader.py sees. Submit grades on the
hidden test view."""

import numpy as np

from feynlab.datasets.scoring import clustering_accuracy
from feynlab.datasets.service import load_public
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.public import Check, run_checks
from feynlab.grading.result import check_array

TRAIN, TRIED, CODE = 3000, 500, 10
SAMPLE_ERROR = 0.065  # far above the real bar (0.020): 3,000 images train little (about 0.047)
SAMPLE_BAR = 0.9  # the made-up codes fall in 10 clear groups


def made_up_codes():
    """500 codes of 10 numbers in 10 well-separated groups, and the group of each."""
    rng = np.random.default_rng(20260608)
    centres = rng.normal(scale=6.0, size=(10, CODE))
    groups = rng.integers(10, size=TRIED)
    return (centres[groups] + rng.normal(size=(TRIED, CODE))).astype(np.float32), groups


def grade(judge):
    public = load_public("fashion-mnist", data_dir=judge.public_dir.parent)
    x = np.asarray(public["x_train"][: TRAIN + TRIED], dtype=np.float32) / np.float32(255)
    tried = x[TRAIN:]
    seen = {}

    def two_halves(halves):
        if (
            not isinstance(halves, (list, tuple))
            or len(halves) != 2
            or not all(isinstance(h, RemoteHandle) for h in halves)
        ):
            return "return the two halves of the autoencoder: `return encoder, decoder`"
        codes = halves[0].predict(tried, verbose=0)
        problem = check_array(codes, name="encoder.predict", shape=(TRIED, CODE), kind="f")
        if problem:
            return problem
        restored = halves[1].predict(np.asarray(codes, dtype=np.float32), verbose=0)
        if isinstance(restored, np.ndarray) and restored.shape == (TRIED, 784):
            restored = restored.reshape(TRIED, 28, 28)
        problem = check_array(restored, name="decoder.predict", shape=(TRIED, 28, 28), kind="f")
        if problem:
            return problem
        seen["error"] = float(((restored - tried) ** 2).mean())
        return None

    def rebuilds(halves):
        if "error" not in seen:
            return "see the check before: the encoder and decoder did not give what is needed"
        if seen["error"] > SAMPLE_ERROR:
            return (
                f"the rebuilt images are {seen['error']:.3f} away from the originals (mean "
                f"squared error per pixel); at most {SAMPLE_ERROR} is expected here: is the "
                "autoencoder trained?"
            )
        return None

    codes, groups = made_up_codes()

    def clusters_well(ids):
        problem = check_array(ids, name="cluster_codes", shape=(TRIED,), kind="iu")
        if problem:
            return problem
        if ids.min() < 0 or ids.max() > 9:
            return "every cluster id should be between 0 and 9"
        accuracy = clustering_accuracy(ids, groups)
        if accuracy < SAMPLE_BAR:
            return (
                f"matched to the groups at best, the clusters are right on {accuracy:.0%} of "
                f"the codes; at least {SAMPLE_BAR:.0%} is expected for groups this clear"
            )
        return None

    return run_checks(
        judge,
        [
            Check(
                "an encoder to 10 numbers and a decoder back to images",
                "train_autoencoder",
                args=(x[:TRAIN],),
                test=two_halves,
                shown_input="train_autoencoder(x_train[:3000]), then both halves on "
                "x_train[3000:3500]",
                shown_expected="(encoder, decoder): codes (500, 10), images (500, 28, 28)",
            ),
            Check(
                "the decoder rebuilds the images",
                "train_autoencoder",
                reuse=True,
                test=rebuilds,
                shown_input="the same 500 images, rebuilt from their codes",
                shown_expected=f"a mean squared error per pixel of at most {SAMPLE_ERROR}",
            ),
            Check(
                "the codes fall into their clusters",
                "cluster_codes",
                args=(codes,),
                test=clusters_well,
                shown_input="500 made-up codes of 10 numbers in 10 clear groups",
                shown_expected=f"clusters matching the groups on at least {SAMPLE_BAR:.0%}",
            ),
        ],
    )
