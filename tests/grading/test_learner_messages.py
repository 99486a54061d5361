"""What a learner reads when their code goes wrong, through the real sandbox (issue 14): each
wrong diagnosis of before has its test, and the frameworks a learner knows are graded alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from feynlab.courses.find import find_exercise
from feynlab.grading.exercise import GradableExercise
from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import RunResult, Verdict
from feynlab.sandbox.namespaces import probe
from feynlab.settings import Settings

pytestmark = pytest.mark.sandbox
ROOT = Path(__file__).parents[2]
COURSES = ROOT / "courses"
FIXTURES = Path(__file__).parent / "fixtures" / "courses"
PLATFORM = ("feynlab", "harness", "site-packages", "/home/learner", "/work/", ".venv")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no sandbox on this machine: {reason}")
    data = tmp_path_factory.mktemp("data")
    (data / "public").mkdir()
    (data / "hidden").mkdir()
    os.chmod(data, 0o755)
    for p in data.parents:  # pytest's temporary folders are root-only; the sandbox user must pass
        if p == Path("/tmp"):
            break
        os.chmod(p, 0o755)
    with Runner(Settings(data_dir=data, courses_dir=COURSES, workers=2)) as r:
        r.sandbox.warm()
        yield r


def exercise(target: str, courses: Path = COURSES, **limits: float) -> GradableExercise:
    found = find_exercise(courses, target).gradable()
    if limits:
        found = GradableExercise(**{**found.__dict__, "limits": {**found.limits, **limits}})
    return found


def grade(runner: Runner, target: str, code: str, **limits: float) -> Verdict:
    courses = FIXTURES if target.startswith("learnercourse/") else COURSES
    return runner.grade(exercise=exercise(target, courses, **limits), code=code)


def shown(outcome: Verdict | RunResult) -> str:
    """Everything of an outcome the learner reads."""
    parts = [outcome.output, outcome.error or ""]
    if isinstance(outcome, Verdict):
        parts += [outcome.feedback, outcome.summary]
    return "\n".join(parts)


def assert_no_platform_text(text: str) -> None:
    for platform in PLATFORM:
        assert platform not in text, f"{platform!r} shown to the learner:\n{text}"


# -- 4. the framework the learner knows ---------------------------------------------------------
@pytest.mark.parametrize(
    "code",
    [
        "import torch\n\ndef make_model():\n    return torch.nn.Linear(3, 2)\n",
        "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n\n"
        "def make_model():\n    rng = np.random.default_rng(1)\n    x = rng.normal(size=(40, 3))\n"
        "    return LogisticRegression().fit(x, x[:, 0] > 0)\n",
        "import keras\n\ndef make_model():\n"
        "    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n",
    ],
    ids=["pytorch", "scikit-learn", "keras"],
)
def test_a_pytorch_scikit_learn_or_keras_model_is_graded_alike(runner: Runner, code: str) -> None:
    got = grade(runner, "learnercourse/scores", code)
    assert got.status == "passed", got
    assert got.summary == "the model gave (6, 2) scores"


def test_a_pytorch_module_is_called_without_gradients_on_float_tensors(runner: Runner) -> None:
    code = (
        "import torch\n\nclass Net(torch.nn.Module):\n"
        "    def forward(self, x):\n"
        "        assert x.dtype == torch.float32 and not torch.is_grad_enabled()\n"
        "        assert not self.training\n"
        "        return torch.zeros(len(x), 2)\n\n"
        "def make_model():\n    return Net()\n"
    )
    assert grade(runner, "learnercourse/scores", code).status == "passed"


def test_an_object_without_predict_is_told_what_is_needed(runner: Runner) -> None:
    # Before: "AttributeError ... line 124 of sandbox/harness.py", blamed on calling exit().
    code = "class Model:\n    pass\n\ndef make_model():\n    return Model()\n"
    got = grade(runner, "learnercourse/scores", code)
    assert (got.status, got.error) == ("error", None)
    assert got.feedback.startswith("`make_model` returned a Model, which has no `predict`.")
    assert "`predict(x)` giving one row of scores per input" in got.feedback
    assert "exit" not in got.feedback
    assert_no_platform_text(shown(got))


def test_the_adapter_claims_nothing_the_grader_believes(runner: Runner) -> None:
    code = (
        "import torch\n\ndef make_model():\n"
        "    return torch.nn.Linear(3, 5)  # five scores, not two\n"
    )
    got = grade(runner, "learnercourse/scores", code)
    assert got.status == "failed" and "expected shape (6, 2)" in got.feedback


# -- 5. messages that diagnose right ------------------------------------------------------------
def test_a_top_level_infinite_loop_is_a_time_limit(runner: Runner) -> None:
    # Before: "Your program crashed (SIGKILL) ... ctypes, a C extension".
    got = grade(runner, "supervised-1/softmax", "while True:\n    pass\n", wall_s=20, cpu_s=2)
    assert got.status == "timeout" and "ran out of time" in got.feedback
    assert "SIGKILL" not in got.feedback and "ctypes" not in got.feedback


NAIVE_SOFTMAX = (
    "import numpy as np\n\n\ndef softmax(z):\n"
    "    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)\n"
)


def test_a_failing_hidden_case_is_named_by_what_it_tests_in_plain_words(runner: Runner) -> None:
    got = grade(runner, "supervised-1/softmax", NAIVE_SOFTMAX)
    assert got.status == "failed"
    assert got.summary == "3 of 7 hidden cases passed"
    assert "First problem (very large scores (around 1000))" in got.feedback
    assert "Well done" not in got.feedback and "cases_passed" not in shown(got)
    passed = grade(runner, "supervised-1/softmax", exercise_file("supervised-1/softmax"))
    assert passed.summary == "all 7 hidden cases passed"


def test_an_error_points_the_editor_to_its_line(runner: Runner) -> None:
    code = "import numpy as np\n\n\ndef softmax(z):\n    return z / totl\n"
    got = grade(runner, "supervised-1/softmax", code)
    assert (got.status, got.error_line) == ("error", 5)
    assert "line 5 of your file" in got.feedback and "NameError" in (got.error or "")
    assert_no_platform_text(shown(got))
    cell = runner.run_code(code="x = 1\nprint(x +)\n")
    assert (cell.status, cell.error_line) == ("error", 2)


def exercise_file(target: str, name: str = "solution.py") -> str:
    course, _, slug = target.partition("/")
    return (COURSES / course / "exercises" / slug / name).read_text()


# -- 3. Keras as tutorials write it --------------------------------------------------------------
def test_tensorflow_imports_get_a_one_line_note(runner: Runner) -> None:
    for code in ("from tensorflow import keras\n", "import tensorflow as tf\n"):
        got = runner.run_code(code=code)
        assert got.status == "error" and got.error_line == 1
        assert (
            (got.error or "")
            .rstrip()
            .endswith(
                "TensorFlow is not installed here; write `import keras` (Keras 3 runs on PyTorch)"
            )
        )


def test_a_network_call_says_the_sandbox_has_no_internet(runner: Runner) -> None:
    code = "import urllib.request\nurllib.request.urlopen('https://example.com/mnist.npz')\n"
    got = runner.run_code(code=code)
    assert got.status == "error" and got.error_line == 2
    assert "this sandbox has no internet: the datasets are in `feynlab.datasets` and " in (
        got.error or ""
    )


def test_scikit_learn_does_not_warn_about_physical_cores(runner: Runner) -> None:
    code = (
        "import numpy as np\nfrom sklearn.cluster import KMeans\n"
        "x = np.random.default_rng(0).random((200, 2))\n"
        "print(KMeans(3, n_init=2).fit(x).cluster_centers_.shape)\n"
    )
    got = runner.run_code(code=code)
    assert got.status == "ok" and got.output == "(3, 2)\n"
    assert "physical cores" not in got.output


KERAS_FIT = """
import numpy as np
import keras

rng = np.random.default_rng(0)
x = rng.random((4096, 4)).astype("float32")
y = (x.sum(axis=1) > 2).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3, batch_size=4)
print("trained")
"""


def test_keras_default_progress_bar_stays_a_bar_and_never_trips_the_cap(runner: Runner) -> None:
    events: list[dict[str, Any]] = []
    got = runner.run_code(code=KERAS_FIT, limits={"output_kb": 4}, on_event=events.append)
    stdout = "".join(e["text"] for e in events if e["type"] == "stdout")
    assert got.status == "ok", got
    printed = sum(len(e["text"].encode()) for e in events if e["type"] == "stdout")
    assert printed > 4 * 1024, "even collapsed, the redraws add up to more than the cap"
    assert "\r" in stdout and "\x1b[" in stdout, "the bar is sent as a terminal draws it"
    assert "\x08" not in stdout
    assert stdout.count("Epoch ") == 3 and "1024/1024" in stdout
    screen = got.output.splitlines()
    assert screen[0] == "Epoch 1/3" and screen[-1] == "trained" and "\r" not in got.output
    assert len(screen) == 7  # an epoch line and its last bar, three times, then "trained"


def test_the_output_cap_says_which_call_printed_most(runner: Runner) -> None:
    code = (
        "import numpy as np\nimport keras\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "for i in range(2000):\n    model.predict(np.ones((1, 4)))\n"
    )
    keras_loop = runner.run_code(code=code, limits={"output_kb": 8})
    assert keras_loop.status == "output-limit"
    assert "printed by every `predict`" in (keras_loop.error or "")
    assert "pass `verbose=0` to them (and `verbose=2` to `fit`)" in (keras_loop.error or "")
    fit = KERAS_FIT.replace("epochs=3", "epochs=400").replace("4096", "64")
    fit_epochs = runner.run_code(code=fit, limits={"output_kb": 8})
    assert fit_epochs.status == "output-limit"
    assert "Keras's progress bars: pass `verbose=2` to `fit`" in (fit_epochs.error or "")
    prints = runner.run_code(
        code="for i in range(10**6):\n    print(f'step {i}: loss {1 / (i + 1):.4f}')\n",
        limits={"output_kb": 8},
    )
    assert prints.status == "output-limit"
    assert (
        "lines like `step #: loss #` (# stands for a number), printed by line 2 of your file"
        in (prints.error or "")
    )
    verdict = grade(runner, "supervised-1/softmax", "while True:\n    print('x' * 80)\n")
    assert verdict.status == "output-limit" and "lines like `x" in verdict.feedback


# -- through `feynlab grade`, as a learner calls it -----------------------------------------------
@pytest.mark.slow
def test_feynlab_grade_says_what_mnist_needs_of_a_model(tmp_path: Path) -> None:
    data = Settings().data_dir
    if not (data / "hidden").is_dir():
        pytest.skip("the data sets are not installed (make datasets)")
    if probe() is not None:
        pytest.skip("no sandbox on this machine")
    solution = tmp_path / "solution.py"
    solution.write_text("class Model:\n    pass\n\ndef train_model(x, y):\n    return Model()\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "feynlab.cli",
            "grade",
            "supervised-1/mnist-classifier",
            str(solution),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["status"] == "failed" and verdict["summary"] == "not a model"
    assert "`predict(x)` giving (n, 10) scores" in verdict["feedback"]
    assert_no_platform_text(verdict["feedback"] + (verdict["error"] or ""))
    assert np.isfinite(verdict["duration_s"])


def test_a_traceback_names_library_folders_without_host_paths() -> None:
    from feynlab.sandbox.harness import learner_traceback

    site = Path(np.__file__).parents[1]  # .../site-packages
    try:
        raise ValueError(f"cannot read {site}/keras/src/saving/x.keras")
    except ValueError as exc:
        text = learner_traceback(exc, "/home/learner/solution.py")
    assert text == "ValueError: cannot read keras/src/saving/x.keras\n"


def test_a_library_warning_names_its_file_without_host_folders(runner: Runner) -> None:
    code = "import keras\nlayer = keras.layers.Dense(2, input_shape=(3,))\n"
    got = runner.run_code(code=code)
    assert got.status == "ok" and "UserWarning: Do not pass an `input_shape`" in got.output
    assert got.output.startswith("keras/src/layers/core/dense.py:")
    assert_no_platform_text(got.output.replace("keras/src/", ""))


def test_the_screen_keeps_each_lines_last_version_across_reads() -> None:
    from feynlab.sandbox.learner_events import OutputScreen

    screen = OutputScreen()
    reads = [
        "Epoch 1/1\n\r 1/3 bar\x08\x08\r 2/3 ba",
        "r\x08\x08\r 3/3 bar - loss: 0.5\r",
        "\nok\n",
    ]
    sizes = [screen.feed("stdout", text) for text in reads]
    forwarded = [screen.forward("stdout", text) for text in reads]
    assert forwarded == ["Epoch 1/1\n 2/3 ba", "\r 3/3 bar - loss: 0.5", "\nok\n"]
    assert sizes[-1] == len("Epoch 1/1\n 3/3 bar - loss: 0.5\nok\n")
    assert screen.tail() == "Epoch 1/1\n 3/3 bar - loss: 0.5\nok\n"
    windows = OutputScreen()
    windows.feed("stdout", "a\r")
    assert windows.forward("stdout", "a\r") == "a" and windows.forward("stdout", "\nb") == "\nb"


@pytest.mark.parametrize(
    "lines", [[["2", 10]], [[2, 10, 3]], [[0, 10]], [[True, 10]], [[1, 1]] * 4, "line 2"]
)
def test_a_forged_printers_event_ends_the_run_as_a_protocol_error(lines: Any) -> None:
    from feynlab.sandbox.learner_events import LearnerEvents
    from feynlab.sandbox.protocol import ProtocolError

    events = LearnerEvents(lambda event: None)
    with pytest.raises(ProtocolError):
        events.channel_event({"type": "printers", "lines": lines}, [])
    events.channel_event({"type": "printers", "lines": [[2, 4096], [7, 10]]}, [])
    assert events.screen.printer_lines == [(2, 4096), (7, 10)] and events.events == 0
