"""Graders run in their own unprivileged process (issue 13 item 12).

An instructor's ``grader.py`` once ran inside the worker: as root, with the secret key in its
environment, the database readable and the network open. Each attack below is a grader an
author could save through the authoring API; with the real sandbox, graded through the runner,
each finds nothing, and the grading still ends in a verdict (the author's fault where the
grader raised). A normal grader still passes.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import Fault, Verdict
from feynlab.settings import Settings
from tests.sandbox.conftest import (  # noqa: F401
    SOLUTION,
    exercise,
    runner,
    sandbox_settings,
)

pytestmark = pytest.mark.sandbox
SECRET = "topsecret-key-never-in-the-sandbox"  # what tests/sandbox/conftest.py's runner sets
HEADER = """
import os
from pathlib import Path
from feynlab.grading.result import Result

def leaked(what):
    return Result(score=1.0, passed=True, metrics={"accuracy": 1.0}, feedback="LEAKED " + what)
"""


@pytest.fixture(scope="module")
def datasets(sandbox_settings: Settings) -> Path:  # noqa: F811
    """Two datasets' hidden labels in the sandbox's data folder (tiny stand-ins)."""
    hidden = sandbox_settings.data_dir / "hidden"
    for name, labels in (("mnist", [1, 2, 3]), ("fashion-mnist", [7, 7, 7])):
        (hidden / name).mkdir(exist_ok=True)
        np.save(hidden / name / "y_test.npy", np.array(labels, dtype=np.uint8))
    return hidden


@pytest.fixture()
def make_exercise(
    tmp_path: Path,
    exercise: GradableExercise,  # noqa: F811
):  # type: ignore[no-untyped-def]
    """A copy of testcourse/add whose grader.py is the given source."""

    made = iter(range(100))

    def make(grader: str, **limits: float) -> GradableExercise:
        folder = tmp_path / f"exercise{next(made)}"
        shutil.copytree(exercise.directory, folder)
        (folder / "grader.py").write_text(HEADER + textwrap.dedent(grader))
        for p in (folder, *folder.rglob("*")):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        return dataclasses.replace(exercise, directory=folder, limits={**exercise.limits, **limits})

    return make


def grade(runner: Runner, exercise: GradableExercise, **kwargs: object) -> Verdict:  # noqa: F811
    return runner.grade(exercise=exercise, code=SOLUTION, **kwargs)  # type: ignore[arg-type]


def assert_author_fault(verdict: Verdict) -> None:
    assert (verdict.status, verdict.fault) == ("infra-error", Fault.author), verdict
    assert "LEAKED" not in verdict.feedback
    assert verdict.staff.grader_traceback  # staff see why


def test_a_normal_grader_still_passes_the_reference(runner: Runner, exercise) -> None:  # noqa: F811
    verdict = grade(runner, exercise)
    assert (verdict.status, verdict.fault, verdict.score) == ("passed", Fault.learner, 1.0)


def test_the_grader_does_not_run_as_root(runner: Runner, make_exercise) -> None:  # noqa: F811
    ex = make_exercise(
        """
        def grade(judge):
            return Result(score=1.0, passed=True, feedback=f"uid={os.getuid()} gid={os.getgid()}")
        """
    )
    verdict = grade(runner, ex)
    assert verdict.status == "passed", verdict
    assert "uid=0 " not in verdict.feedback and "gid=0" not in verdict.feedback
    assert verdict.feedback == "uid=65533 gid=65533"  # neither root nor the learner's 65534


def test_the_grader_sees_no_secret_in_its_environment(runner: Runner, make_exercise) -> None:  # noqa: F811
    assert os.environ["FEYNLAB_SECRET_KEY"] == SECRET  # the worker has it
    ex = make_exercise(
        """
        def grade(judge):
            names = sorted(k for k in os.environ if k.startswith("FEYNLAB_") or "DATABASE" in k)
            found = os.environ.get("FEYNLAB_SECRET_KEY", "") + ",".join(names)
            if found:
                return leaked(found)
            return Result(score=1.0, passed=True, feedback="nothing")
        """
    )
    verdict = grade(runner, ex)
    assert SECRET not in verdict.feedback and SECRET not in str(verdict.staff)
    assert (verdict.status, verdict.feedback) == ("passed", "nothing"), verdict


def test_the_grader_cannot_open_the_database_or_var_dir(
    runner: Runner,  # noqa: F811
    make_exercise,
    tmp_path: Path,
) -> None:
    database = tmp_path / "var" / "feynlab.db"
    database.parent.mkdir()
    database.write_bytes(b"SQLite format 3\x00 the sessions table")
    for p in (database.parent, *database.parents):
        if p == Path("/tmp"):
            break
        os.chmod(p, 0o755)
    os.chmod(database, 0o644)
    var_dir = runner.settings.var_dir
    assert var_dir.is_dir() and database.is_file()
    ex = make_exercise(
        f"""
        def grade(judge):
            found = []
            for attempt in (lambda: os.listdir({str(var_dir)!r}),
                            lambda: open({str(database)!r}, "rb").read()):
                try:
                    found.append(repr(attempt()))
                except OSError:
                    pass
            if found:
                return leaked(" ".join(found))
            raise RuntimeError("nothing to read")
        """
    )
    assert_author_fault(grade(runner, ex))


def test_the_grader_has_no_network(runner: Runner, make_exercise) -> None:  # noqa: F811
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connected: list[object] = []

    def accept() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not stop.is_set():
            try:
                connected.append(listener.accept())
            except OSError:
                continue

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    ex = make_exercise(
        f"""
        import socket

        def grade(judge):
            s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
            return leaked("connected")
        """
    )
    verdict = grade(runner, ex)
    stop.set()
    thread.join()
    listener.close()
    assert_author_fault(verdict)
    assert not connected


def test_a_grader_reads_its_own_dataset_and_no_other(
    runner: Runner,  # noqa: F811
    make_exercise,
    datasets: Path,
) -> None:
    own = make_exercise(
        """
        from feynlab.datasets.service import load_hidden

        def grade(judge):
            labels = load_hidden("mnist", data_dir=judge.public_dir.parent)
            return Result(score=1.0, passed=True, feedback=f"mnist {labels.tolist()}")
        """
    )
    verdict = grade(runner, own)
    assert (verdict.status, verdict.feedback) == ("passed", "mnist [1, 2, 3]"), verdict
    other = make_exercise(
        f"""
        import numpy as np
        from feynlab.datasets.service import load_hidden

        def grade(judge):
            load_hidden("mnist", data_dir=judge.public_dir.parent)  # its own: fine
            for where in (judge.public_dir.parent, Path({str(datasets.parent)!r})):
                try:
                    labels = np.load(where / "hidden" / "fashion-mnist" / "y_test.npy")
                except OSError:
                    continue
                return leaked(str(labels.tolist()))
            raise RuntimeError("no fashion-mnist labels here")
        """
    )
    assert_author_fault(grade(runner, other))


def test_the_grader_cannot_write_to_the_exercise_folder(runner: Runner, make_exercise) -> None:  # noqa: F811
    ex = make_exercise(
        """
        def grade(judge):
            (Path(__file__).parent / "pwned.txt").write_text("written by the grader")
            return leaked("wrote the exercise folder")
        """
    )
    assert_author_fault(grade(runner, ex))
    assert not (ex.directory / "pwned.txt").exists()


def test_the_view_seed_reaches_the_grader_and_reproduces_its_draws(
    runner: Runner,  # noqa: F811
    make_exercise,
) -> None:
    ex = make_exercise(
        """
        def grade(judge):
            draw = float(judge.rng.integers(1_000_000_000))
            return Result(score=1.0, passed=True, staff_metrics={"draw": draw},
                          feedback=f"seed {judge.view_seed}")
        """
    )
    first, again = grade(runner, ex, view_seed=1234), grade(runner, ex, view_seed=1234)
    assert first.status == again.status == "passed", first
    assert first.feedback == "seed 1234" and first.staff.view_seed == 1234
    assert first.staff.metrics == again.staff.metrics
    fresh = grade(runner, ex)
    assert fresh.staff.view_seed not in (None, 1234)
    assert fresh.feedback == f"seed {fresh.staff.view_seed}"


@pytest.mark.parametrize(
    "body",
    [
        "os._exit(3)",
        "raise SystemExit(0)",
        "import gc, socket\n"
        "    socks = [s for s in gc.get_objects() if isinstance(s, socket.socket)]\n"
        "    socks[0].sendall(b'\\xff' * 64)\n"
        "    return Result(score=1.0, passed=True)",
        "import signal\n    os.kill(os.getpid(), signal.SIGKILL)",
    ],
    ids=["exits", "system-exit", "garbage", "killed"],
)
def test_a_grader_process_that_dies_or_sends_garbage_is_the_authors_fault(
    runner: Runner,  # noqa: F811
    make_exercise,
    body: str,
) -> None:
    ex = make_exercise(f"def grade(judge):\n    {body}\n")
    assert_author_fault(grade(runner, ex))


def test_a_hung_grader_is_stopped_after_the_runs_deadline(
    runner: Runner,  # noqa: F811
    make_exercise,
) -> None:
    ex = make_exercise(
        """
        import time

        def grade(judge):
            judge.call("add", 1, 2)
            while True:
                time.sleep(1)
        """,
        wall_s=2,
    )
    started = time.monotonic()
    verdict = grade(runner, ex)
    assert_author_fault(verdict)
    assert time.monotonic() - started < 2 + 10 + 5 + 10
    assert "time limit" in (verdict.staff.grader_traceback or "")


def test_a_grader_may_not_send_the_learners_process_other_requests(
    runner: Runner,  # noqa: F811
    make_exercise,
) -> None:
    ex = make_exercise(
        """
        def grade(judge):
            judge._live.request({"op": "run", "code": "print('from the grader')"})
            return leaked("ran code as the harness")
        """
    )
    assert_author_fault(grade(runner, ex))


def test_a_grader_that_fails_to_load_is_the_authors_fault_before_any_learner_code(
    runner: Runner,  # noqa: F811
    make_exercise,
) -> None:
    printed: list[str] = []
    ex = make_exercise('raise ImportError("no such helper")\n')
    verdict = runner.grade(
        exercise=ex,
        code='print("LEARNER RAN")\n' + SOLUTION,
        on_event=lambda e: printed.append(str(e.get("text", ""))),
    )
    assert_author_fault(verdict)
    assert "no such helper" in (verdict.staff.grader_traceback or "")
    assert not any("LEARNER RAN" in text for text in printed)


def test_a_learner_process_that_dies_mid_call_is_still_the_learners(
    runner: Runner,  # noqa: F811
    exercise,  # noqa: F811
) -> None:
    code = "import os\n\ndef add(a, b):\n    os._exit(3)\n"
    verdict = runner.grade(exercise=exercise, code=code)
    assert (verdict.status, verdict.fault) == ("error", Fault.learner), verdict
    assert verdict.staff.grader_traceback is None  # the grader heard "ended", and said so
