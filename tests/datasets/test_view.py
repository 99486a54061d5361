"""The test view a grading draws (datasets/view.py): fresh per seed, reproducible from it, and
useless to a table of the published test set."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from pydantic import ValidationError

from feynlab.courses.formats import ViewBlock
from feynlab.datasets.view import coarse, draw_view, perturb, report_figures

BLOCK = ViewBlock(items=600, decide_share=0.5, elastic_px=0.6, noise_sd=0.05)


@pytest.fixture(scope="module")
def published() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.zeros((1000, 28, 28), dtype=np.float32)
    x[:, 6:22, 6:22] = rng.random((1000, 16, 16), dtype=np.float32)
    return x, rng.integers(0, 10, size=1000)


def _hashes(x: np.ndarray) -> set[bytes]:
    pixels = np.rint(np.asarray(x) * 255).astype(np.uint8)
    return {hashlib.sha256(image.tobytes()).digest() for image in pixels}


def test_a_stored_seed_draws_the_same_view(published: tuple[np.ndarray, np.ndarray]) -> None:
    first = draw_view(*published, block=BLOCK, rng=np.random.default_rng(42))
    again = draw_view(*published, block=BLOCK, rng=np.random.default_rng(42))
    other = draw_view(*published, block=BLOCK, rng=np.random.default_rng(43))
    for a, b in zip(
        (first.items, first.x, first.y, first.decide),
        (again.items, again.x, again.y, again.decide),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.items, other.items)


def test_a_view_is_a_shuffled_subset_with_its_labels(
    published: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = published
    view = draw_view(x, y, block=BLOCK, rng=np.random.default_rng(1))
    assert len(view.items) == 600 and len(set(view.items.tolist())) == 600
    assert not np.array_equal(view.items, np.sort(view.items))
    np.testing.assert_array_equal(view.y, y[view.items])
    assert view.decide.sum() == 300 and (view.report == ~view.decide).all()
    assert view.x.dtype == np.float32 and view.x.min() >= 0 and view.x.max() <= 1


def test_no_image_of_a_view_has_a_published_hash(
    published: tuple[np.ndarray, np.ndarray],
) -> None:
    x, y = published
    view = draw_view(x, y, block=BLOCK, rng=np.random.default_rng(2))
    assert not _hashes(view.x) & _hashes(x)


def test_perturbations_stay_close_to_the_image() -> None:
    """Label-preserving: a small displacement and a little noise, not a different picture."""
    rng = np.random.default_rng(3)
    x = np.zeros((200, 28, 28), dtype=np.float32)
    x[:, 8:20, 12:16] = 1.0  # a bar, like a "1"
    out = perturb(x, block=ViewBlock(elastic_px=0.6, noise_sd=0.05), rng=rng)
    change = np.abs(out - x).mean(axis=(1, 2))
    assert 0.01 < change.mean() < 0.1
    shifted = perturb(x, block=ViewBlock(shift_px=2), rng=rng)
    np.testing.assert_allclose(shifted.sum(axis=(1, 2)), x.sum(axis=(1, 2)), rtol=1e-5)


def test_reported_figures_are_coarse() -> None:
    assert coarse(0.93417, 0.005) == 0.935
    shown = report_figures(3737, 4000, 0.005)
    assert shown == {"accuracy": 0.935, "ci_low": 0.925, "ci_high": 0.94}
    assert report_figures(3738, 4000, 0.005) == shown  # one more right answer is invisible


def test_view_block_is_validated() -> None:
    with pytest.raises(ValidationError):
        ViewBlock(decide_share=1.0)
    with pytest.raises(ValidationError):
        ViewBlock.model_validate({"shift": 2})
