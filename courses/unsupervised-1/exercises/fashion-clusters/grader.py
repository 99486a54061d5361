"""The learner trains an autoencoder inside the sandbox and returns its two halves: an encoder
that squeezes each image into CODE numbers, and a decoder that rebuilds the image from them.
Here, on the trusted side, the grader draws a test view (a random subset of the hidden test
images, shuffled, with a little noise), has the encoder turn it into codes and the decoder turn
the codes back into images, and measures how far those are from the original, noise-free hidden
images. Then the learner's ``cluster_codes`` groups the codes (sent in another random order, so
a clustering cannot lean on images it kept aside) into 10 clusters, scored against the hidden
labels (best one-to-one matching, Hungarian).

Both must hold to pass: the reconstruction bar (MAX_ERROR, mean squared error per pixel, which
ten numbers per image only reach through a trained nonlinear autoencoder: PCA to 10 numbers
gives about 0.024, k-means centroids about 0.042) and the clustering bar of exercise.yaml.
Feedback reports coarse figures on one half of the view, the decision rests on the other half
(docs/grading-integrity.md)."""

import numpy as np

from feynlab.datasets.scoring import clustering_accuracy, grading_data
from feynlab.datasets.view import coarse, draw_view, percent
from feynlab.grading.judge import RemoteHandle
from feynlab.grading.result import Result, check_array, fail

K = 10  # clusters
CODE = 10  # numbers per image in the code
MAX_ERROR = 0.020  # mean squared error per pixel of the rebuilt images, at most
ERROR_STEP = 0.0005  # the reporting grain of that error

PAIR = (
    "Return the two halves of your autoencoder, `return encoder, decoder`: two Keras models, "
    f"the encoder from images `(n, 28, 28)` to codes `(n, {CODE})`, the decoder from codes back "
    "to images."
)


def rebuilt_images(restored, n):
    """The decoder's output as (n, 28, 28), or why it cannot be."""
    if isinstance(restored, np.ndarray) and restored.shape == (n, 784):
        restored = restored.reshape(n, 28, 28)
    problem = check_array(restored, name="decoder.predict", shape=(n, 28, 28), kind="f")
    return (None, problem) if problem else (restored, None)


def grade(judge):
    bar, view_block = judge.pass_bar.at_least, judge.view  # from exercise.yaml, validated
    data = grading_data("fashion-mnist", judge.public_dir.parent)
    # the training images by reference: the learner's side memory-maps the public file
    halves = judge.call("train_autoencoder", judge.public_array(data.x_train_file))
    if (
        not isinstance(halves, (list, tuple))
        or len(halves) != 2
        or not all(isinstance(h, RemoteHandle) for h in halves)
    ):
        return fail(f"`train_autoencoder` returned {type(halves).__name__}. {PAIR}")
    encoder, decoder = halves
    view = draw_view(data.x_test, data.y_test, block=view_block, rng=judge.rng)
    n = len(view.x)
    codes = encoder.predict(view.x, verbose=0)
    problem = check_array(codes, name="encoder.predict", shape=(n, CODE), kind="f")
    if problem:
        return fail(f"{problem} The encoder must give {CODE} numbers per image. {PAIR}")
    codes = np.asarray(codes, dtype=np.float32)
    restored, problem = rebuilt_images(decoder.predict(codes, verbose=0), n)
    if problem:
        return fail(f"{problem} The decoder must give back one 28x28 image per code. {PAIR}")
    original = data.x_test[view.items].astype(np.float64)
    errors = ((restored.astype(np.float64) - original) ** 2).mean(axis=(1, 2))
    error_decided = float(errors[view.decide].mean())
    error_reported = float(errors[view.report].mean())
    order = judge.rng.permutation(n)  # the codes travel in another order than the images
    shuffled = judge.call("cluster_codes", codes[order])
    problem = check_array(shuffled, name="cluster_codes", shape=(n,), kind="iu")
    if problem:
        return fail(problem + " Return one integer cluster id (0 to 9) per code.")
    if shuffled.min() < 0 or shuffled.max() >= K:
        return fail(
            f"`cluster_codes` returned cluster ids from {shuffled.min()} to {shuffled.max()}; "
            "they must lie between 0 and 9 (ten clusters)."
        )
    clusters = np.empty(n, dtype=np.int64)
    clusters[order] = shuffled
    used = len(np.unique(clusters))
    decided = clustering_accuracy(clusters[view.decide], view.y[view.decide], K)
    reported = clustering_accuracy(clusters[view.report], view.y[view.report], K)
    shown, shown_error = (
        coarse(reported, view_block.report_step),
        coarse(error_reported, ERROR_STEP),
    )
    rebuilt, grouped = error_decided <= MAX_ERROR, decided >= bar
    passed = rebuilt and grouped
    on = f"on {int(view.report.sum()):,} test images drawn afresh for this grading"
    feedback = (
        f"Your decoder rebuilds the test images with a mean squared error of about "
        f"**{shown_error:.4f}** per pixel, {on} (compared with the original images, without the "
        f"noise; the bar is at most {MAX_ERROR:.3f}). Clustering their codes gives a clustering "
        f"accuracy of about **{percent(shown)}** (each cluster matched to the garment class it "
        f"fits best, one to one; you used {used} of the 10 cluster ids; the bar is "
        f"{percent(bar)}). On a second set of {int(view.decide.sum()):,} images, never "
        "reported, "
    )
    if passed:
        feedback += "both reached their bars: passed. Well done!"
    else:
        missed = [
            *([] if rebuilt else ["the reconstruction"]),
            *([] if grouped else ["the clustering"]),
        ]
        feedback += f"{' and '.join(missed)} stayed on the wrong side of the bar."
    if not rebuilt:
        feedback += (
            " Ten numbers per image are not enough for a linear method (PCA gives about "
            "0.024) nor for cluster centres (about 0.04): train a nonlinear autoencoder "
            "(hidden layers with `relu`, a sigmoid output, `binary_crossentropy`) for a few "
            "epochs, and check that its loss goes down."
        )
    if used < K:
        feedback += (
            " Some ids are never used, so some classes cannot be matched at all: ask your "
            "clustering for 10 clusters."
        )
    elif not grouped:
        feedback += (
            " Cluster the codes with a Gaussian mixture with several starts (`n_init`): it "
            "allows stretched clusters, which fit the codes better than k-means' round ones."
        )
    return Result(
        score=shown,
        passed=passed,
        metrics={"accuracy": shown, "reconstruction_error": shown_error, "clusters_used": used},
        feedback=feedback,
        staff_metrics={
            "accuracy": decided,
            "decided_accuracy": decided,
            "reported_accuracy": reported,
            "view_accuracy": clustering_accuracy(clusters, view.y, K),
            "reconstruction_error": error_decided,
            "reported_reconstruction_error": error_reported,
        },
        predictions={"items": view.items.tolist(), "predicted": clusters.tolist()},
    )
