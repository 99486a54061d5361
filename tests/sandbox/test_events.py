"""Run events from the real sandbox: live output, Keras progress, figures, readable errors."""

from __future__ import annotations

import base64
import json
import struct
import time
from typing import Any

import pytest

from feynlab.grading.runner import Runner
from feynlab.sandbox.learner_events import OUTPUT_INTERVAL_S, EventBudget

from .conftest import ATTACKS

pytestmark = pytest.mark.sandbox
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Recorder:
    """Collects events with the time each arrived (on_event is called as they come)."""

    def __init__(self) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        self.events.append((time.monotonic(), event))

    def of(self, kind: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, e) for t, e in self.events if e["type"] == kind]


def test_output_streams_while_the_run_goes_on(runner: Runner) -> None:
    code = (
        "import sys, time\n"
        "print('first')\n"
        "print('to stderr', file=sys.stderr)\n"
        "time.sleep(0.5)\n"
        "print('second')\n"
    )
    events = Recorder()
    result = runner.run_code(code=code, on_event=events)
    ended = time.monotonic()
    assert result.status == "ok", result
    stdout = events.of("stdout")
    first = next(t for t, e in stdout if "first" in e["text"])
    assert ended - first >= 0.4, "the first line arrived only when the run ended"
    assert "".join(e["text"] for _, e in stdout) == "first\nsecond\n"
    assert "".join(e["text"] for _, e in events.of("stderr")) == "to stderr\n"
    assert result.output.count("first") == 1 and "second" in result.output


KERAS_FIT = """
import time
import numpy as np
import keras

rng = np.random.default_rng(0)
x = rng.random((64, 4)).astype("float32")
y = (x.sum(axis=1) > 2).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
time.sleep(0.5)
print("trained")
"""


def test_keras_training_sends_progress_events_in_order(runner: Runner) -> None:
    events = Recorder()
    result = runner.run_code(code=KERAS_FIT, on_event=events)
    ended = time.monotonic()
    assert result.status == "ok", result
    progress = events.of("progress")
    epoch_ends = [e for _, e in progress if e["batch"] is None]
    assert [e["epoch"] for e in epoch_ends] == [1, 2]
    assert [e["epoch"] for _, e in progress] == sorted(e["epoch"] for _, e in progress)
    for event in epoch_ends:
        assert event["epochs"] == 2
        assert isinstance(event["logs"]["loss"], float) and event["logs"]["loss"] > 0
        assert 0.0 <= event["logs"]["accuracy"] <= 1.0
    for _, event in progress:
        assert event["batches"] in (None, 4)  # 64 samples / 16 per batch
    # they came while the run went on (it sleeps 0.5 s after training), not with the result
    assert ended - progress[-1][0] >= 0.4
    assert progress[-1][0] <= events.of("stdout")[-1][0] + 0.1


FIGURES = """
import matplotlib.pyplot as plt

plt.plot([1, 2, 3])
plt.show()
fig = plt.figure(figsize=(3, 2))
plt.plot([3, 2, 1])
print("left one open")
"""


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_MAGIC)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_figures_arrive_as_png_events(runner: Runner) -> None:
    events = Recorder()
    result = runner.run_code(code=FIGURES, on_event=events)
    assert result.status == "ok", result
    figures = [e for _, e in events.of("figure")]
    assert len(figures) == 2, figures  # one from plt.show(), one left open at the end
    sizes = []
    for figure in figures:
        assert figure["format"] == "png"
        png = base64.b64decode(figure["data"])
        assert 1000 < len(png) < 2 * 1024 * 1024
        assert _png_size(png) == (figure["width"], figure["height"])
        sizes.append(_png_size(png))
    assert sizes[0] == (512, 384)  # matplotlib's default 6.4 x 4.8 inches at 80 dpi
    assert sizes[1] == (240, 160)  # the 3 x 2 inch figure left open


def test_a_traceback_shows_only_the_learners_own_frames(runner: Runner) -> None:
    code = (
        "import numpy as np\n"
        "\n"
        "def ratio(row):\n"
        "    return row[0] / 0\n"
        "\n"
        "np.apply_along_axis(ratio, 1, np.array([[1, 2]], dtype=object))\n"
    )
    result = runner.run_code(code=code)
    assert result.status == "error"
    error = result.error or ""
    assert 'File "cell.py", line 6, in <module>' in error
    assert 'File "cell.py", line 4, in ratio' in error
    assert error.rstrip().endswith("ZeroDivisionError: division by zero")
    for platform in ("feynlab", "harness", "site-packages", "numpy/lib", "/home/learner"):
        assert platform not in error, error


def _stored_bytes(events: Recorder) -> int:
    """What the events would weigh as stored rows (strict JSON: NaN would raise here)."""
    return sum(len(json.dumps(e, allow_nan=False)) for _, e in events.events)


def test_a_progress_flood_is_cut_to_the_budget_with_a_note(runner: Runner) -> None:
    events = Recorder()
    result = runner.run_code(code=(ATTACKS / "progress_flood.py").read_text(), on_event=events)
    assert result.status == "ok", result
    budget = EventBudget()
    progress = events.of("progress")
    assert 10 <= len(progress) <= budget.burst + budget.rate_per_s * result.duration_s + 5
    assert len(events.events) <= budget.max_events
    assert _stored_bytes(events) < 1024 * 1024
    notes = [e["text"] for _, e in events.of("stderr") if "not shown" in e["text"]]
    assert len(notes) == 1 and "fewer epochs" in notes[0]
    assert "not shown" in result.output


def test_fake_pngs_are_not_stored(runner: Runner) -> None:
    events = Recorder()
    result = runner.run_code(code=(ATTACKS / "fake_pngs.py").read_text(), on_event=events)
    assert result.status == "ok", result
    assert events.of("figure") == []
    assert _stored_bytes(events) < 64 * 1024


def test_many_small_prints_arrive_in_few_events(runner: Runner) -> None:
    code = "for i in range(20_000):\n    print(i, flush=True)\n"
    events = Recorder()
    result = runner.run_code(code=code, on_event=events)
    assert result.status == "ok", result
    stdout = events.of("stdout")
    assert "".join(e["text"] for _, e in stdout) == "".join(f"{i}\n" for i in range(20_000))
    assert len(stdout) <= result.duration_s / OUTPUT_INTERVAL_S + 5, len(stdout)


KERAS_NAN = """
import numpy as np
import keras

x = np.full((32, 4), np.nan, dtype="float32")
y = np.zeros(32, dtype="float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
print("loss", history.history["loss"][-1])
"""


def test_a_nan_loss_is_a_gap_in_the_chart_not_an_error(runner: Runner) -> None:
    events = Recorder()
    result = runner.run_code(code=KERAS_NAN, on_event=events)
    assert result.status == "ok", result
    assert "loss nan" in result.output
    epoch_ends = [e for _, e in events.of("progress") if e["batch"] is None]
    assert [e["epoch"] for e in epoch_ends] == [1, 2]
    assert all(e["logs"]["loss"] is None for e in epoch_ends)
    _stored_bytes(events)  # every event is strict JSON (PostgreSQL's json refuses NaN)
