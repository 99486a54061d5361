"""A fresh test view for every grading, drawn on the trusted side (docs/grading-integrity.md).

A view is a random subset of a hidden test set, shuffled, and perturbed in a label-preserving
way (small translations, elastic distortion, pixel noise) as the exercise's ``view:`` block says,
so that a table of the published test set (by position or by image hash) looks nothing up. It is
split at random into a *report* part, the only part feedback speaks about (coarsely), and a
*decide* part, the only part the pass decision rests on. Everything is drawn from the judge's
``rng`` (seeded with ``judge.view_seed``, which never enters the sandbox): a regrade with the
stored seed draws the same view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class ViewBlock(BaseModel):
    """``view:`` of exercise.yaml: how each grading draws its test view (see
    docs/grading-integrity.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: int = Field(8000, ge=100, le=1_000_000, description="Test items drawn per grading.")
    decide_share: float = Field(
        0.5, gt=0, lt=1, description="Share of the view the pass decision rests on (unreported)."
    )
    report_step: float = Field(
        0.005, gt=0, le=0.1, description="Grain of the learner's figure (0.005: half a point)."
    )
    shift_px: int = Field(0, ge=0, le=4, description="Largest translation, in pixels.")
    elastic_px: float = Field(
        0.0, ge=0, le=4, description="Elastic distortion: typical displacement, in pixels."
    )
    elastic_cells: int = Field(
        4, ge=1, le=14, description="Elastic distortion: control-grid cells across the image."
    )
    noise_sd: float = Field(0.0, ge=0, le=0.3, description="Pixel noise (standard deviation).")


@dataclass(frozen=True)
class TestView:
    """One grading's test items: inputs to send, labels to keep, which part decides."""

    items: np.ndarray  # int64 (n,): item ids in the hidden test set, in the order sent
    x: np.ndarray  # float32 (n, 28, 28) in [0, 1], perturbed: what the learner's model gets
    y: np.ndarray  # int64 (n,): hidden labels, never sent
    decide: np.ndarray  # bool (n,): True for the part the pass decision rests on

    @property
    def report(self) -> np.ndarray:
        return ~self.decide


def draw_view(
    x_test: np.ndarray, y_test: np.ndarray, *, block: ViewBlock, rng: np.random.Generator
) -> TestView:
    """Draw a view of ``x_test`` (float32 in [0, 1]) and its labels from ``rng``."""
    total = len(x_test)
    size = min(block.items, total)
    # Two independent streams: what is chosen (items, order, split) and how images are
    # perturbed. The second's draws reach the sandbox inside the images; even a learner who
    # could invert them would learn nothing of the first (SeedSequence children are unrelated).
    choice_rng, noise_rng = rng.spawn(2)
    items = choice_rng.permutation(total)[:size]  # a random subset, in random order
    decide = np.zeros(size, dtype=bool)
    decide[choice_rng.permutation(size)[: round(size * block.decide_share)]] = True
    x = perturb(np.asarray(x_test)[items], block=block, rng=noise_rng)
    y = np.asarray(y_test, dtype=np.int64)[items]
    for array in (items, x, y, decide):
        array.flags.writeable = False
    return TestView(items=items.astype(np.int64), x=x, y=y, decide=decide)


def perturb(images: np.ndarray, *, block: ViewBlock, rng: np.random.Generator) -> np.ndarray:
    """Label-preserving perturbations of ``images`` (n, h, w) in [0, 1], a fresh draw each: a
    whole-pixel translation, a smooth elastic displacement field (random displacements on a
    coarse grid of control points, interpolated bicubically: the fast form of Simard et al.
    2003's smoothed random fields), and Gaussian pixel noise."""
    x = np.asarray(images, dtype=np.float32)
    n, h, w = x.shape
    if block.shift_px or block.elastic_px:
        rows, cols = np.meshgrid(
            np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32), indexing="ij"
        )
        sample_y = np.broadcast_to(rows, x.shape).copy()
        sample_x = np.broadcast_to(cols, x.shape).copy()
        if block.shift_px:
            shift = rng.integers(-block.shift_px, block.shift_px + 1, size=(2, n, 1, 1))
            sample_y -= shift[0]
            sample_x -= shift[1]
        if block.elastic_px:
            field = _smooth_field(n, h, w, cells=block.elastic_cells, rng=rng)
            sample_y += block.elastic_px * field[:, 0]
            sample_x += block.elastic_px * field[:, 1]
        x = _bilinear(x, sample_y, sample_x)
    if block.noise_sd:
        x = x + np.float32(block.noise_sd) * rng.standard_normal(x.shape, dtype=np.float32)
    return np.clip(x, 0.0, 1.0).astype(np.float32)


def _smooth_field(n: int, h: int, w: int, *, cells: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2, h, w) displacements: standard normals on a (cells + 1)^2 grid, interpolated."""
    import torch
    import torch.nn.functional as F

    coarse = rng.standard_normal((n, 2, cells + 1, cells + 1), dtype=np.float32)
    with torch.no_grad():
        fine = F.interpolate(
            torch.from_numpy(coarse), size=(h, w), mode="bicubic", align_corners=True
        )
    return fine.numpy()


def _bilinear(x: np.ndarray, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """``x`` sampled at (dy, dx) per image, bilinearly, zero outside (scipy's
    ``map_coordinates(order=1, mode="grid-constant")``), by torch's ``grid_sample``: one
    vectorised call for the stack, where scipy interpolates along the stacking axis too and
    takes ~10x longer."""
    import torch
    import torch.nn.functional as F

    n, h, w = x.shape
    # grid_sample wants (x, y) in [-1, 1], corners aligned with the outer pixels' centres
    grid = np.stack([dx * (2 / (w - 1)) - 1, dy * (2 / (h - 1)) - 1], axis=-1)
    with torch.no_grad():
        out = F.grid_sample(
            torch.from_numpy(np.ascontiguousarray(x[:, None], dtype=np.float32)),
            torch.from_numpy(grid.astype(np.float32)),
            mode="bilinear",
            padding_mode="zeros",
            align_corners=True,
        )
    return out[:, 0].numpy()


def coarse(value: float, step: float) -> float:
    """``value`` rounded to a multiple of ``step`` (the reporting grain)."""
    return round(round(value / step) * step, 10)


def report_figures(right: int, n: int, step: float) -> dict[str, float]:
    """What a learner sees of a share ``right / n``: the share and its 95% interval, coarse."""
    from feynlab.datasets.scoring import wilson_interval

    low, high = wilson_interval(right, n)
    return {
        "accuracy": coarse(right / n, step),
        "ci_low": coarse(low, step) if n else 0.0,
        "ci_high": min(1.0, coarse(high, step)) if n else 1.0,
    }


def percent(value: float) -> str:
    """0.955 -> '95.5%' (to the reporting grain of half a point)."""
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


@dataclass(frozen=True)
class ViewScore:
    """A share measured on both parts of a view: reported coarsely, decided exactly."""

    right_report: int
    n_report: int
    right_decide: int
    n_decide: int
    step: float

    @property
    def decided(self) -> float:
        return self.right_decide / self.n_decide if self.n_decide else 0.0

    @property
    def reported(self) -> dict[str, float]:
        return report_figures(self.right_report, self.n_report, self.step)

    def staff(self) -> dict[str, float]:
        """Exact figures, for instructors."""
        n = self.n_report + self.n_decide
        return {
            "accuracy": self.decided,
            "decided_accuracy": self.decided,
            "reported_accuracy": self.right_report / self.n_report if self.n_report else 0.0,
            "view_accuracy": (self.right_report + self.right_decide) / n if n else 0.0,
            "view_items": float(n),
            "decided_items": float(self.n_decide),
        }


def score_view(view: TestView, correct: np.ndarray, *, step: float) -> ViewScore:
    """Count ``correct`` (bool per view item) on the report part and on the decide part."""
    correct = np.asarray(correct, dtype=bool)
    return ViewScore(
        right_report=int(correct[view.report].sum()),
        n_report=int(view.report.sum()),
        right_decide=int(correct[view.decide].sum()),
        n_decide=int(view.decide.sum()),
        step=step,
    )


def view_feedback(score: ViewScore, *, what: str, bar: float, other_rules_met: bool = True) -> str:
    """What the learner reads: the coarse reported figure, its interval, and the decision
    (``other_rules_met`` False: the bar was reached but a rule of the exercise was not)."""
    shown = score.reported
    text = (
        f"Your {what} is about **{percent(shown['accuracy'])}** (95% interval "
        f"{percent(shown['ci_low'])} to {percent(shown['ci_high'])}), measured on "
        f"{score.n_report:,} test images drawn afresh for this grading, slightly distorted. "
    )
    if score.decided >= bar:
        text += f"On a second set of {score.n_decide:,} images, never reported, it reached "
        text += f"the bar of {percent(bar)}" + (": passed. Well done!" if other_rules_met else ".")
    else:
        text += f"On a second set of {score.n_decide:,} images, never reported, it stayed "
        text += f"below the bar of {percent(bar)}."
    return text
