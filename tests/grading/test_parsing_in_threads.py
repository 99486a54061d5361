"""Reading a grader's datasets while another thread parses Python: CPython 3.11 shares the AST
constructor's recursion depth between threads, and CI once lost a reference solution's proof
to ``SystemError: AST constructor recursion depth mismatch`` when a spare grader host started
beside a grading."""

from __future__ import annotations

import ast
import contextlib
import gc
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feynlab import pysource
from feynlab.grading.grader_process import grader_datasets
from feynlab.sandbox.zygote import profile_of

# A grader long enough that the garbage collector runs while its tree is built.
GRADER = "from feynlab_grading import grading_data\n\n" + "\n".join(
    f"def check_{i}(x):\n    return [y * {i} for y in range(x) if y % 3]\n" for i in range(200)
)
ROUNDS = 20


@pytest.fixture
def switching_threads() -> Iterator[None]:
    """Threads that take turns inside a parse, as they may on a loaded machine: a collection
    runs Python code (a callback that yields the GIL) in the middle of building a tree."""

    def yield_now(phase: str, info: dict[str, int]) -> None:
        time.sleep(0)

    interval = sys.getswitchinterval()
    threshold = gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50)
    gc.callbacks.append(yield_now)
    try:
        yield
    finally:
        gc.callbacks.remove(yield_now)
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)


def _side_by_side(work: list[Callable[[], object]]) -> list[BaseException]:
    """Run each piece of work ROUNDS times in its own thread, each at a different call depth
    (the depth the parse starts from differs, so a shared counter shows)."""
    errors: list[BaseException] = []

    def at_depth(depth: int, job: Callable[[], object]) -> None:
        if depth:
            at_depth(depth - 1, job)
            return
        for _ in range(ROUNDS):
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    threads = [
        threading.Thread(target=at_depth, args=(depth, job))
        for depth, job in zip((2, 17, 33, 48), work, strict=False)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_graders_read_side_by_side_name_their_datasets(
    tmp_path: Path, switching_threads: None
) -> None:
    (tmp_path / "grader.py").write_text(GRADER + '\n\ngrading_data("mnist")\n')
    read: Callable[[], object] = lambda: grader_datasets(tmp_path)  # noqa: E731
    errors = _side_by_side([read, read, read])
    assert not errors, f"reading the grader's datasets in threads failed: {errors[:1]!r}"
    assert grader_datasets(tmp_path) == ["mnist"]


def test_runs_started_side_by_side_get_their_zygote(switching_threads: None) -> None:
    """Each run's zygote is chosen from its code's imports (two worker threads at once: the
    fork-safety test once failed on a learner's code parsed beside another)."""
    code = "import keras\n\n" + GRADER.partition("\n")[2]
    pick: Callable[[], object] = lambda: profile_of(code)  # noqa: E731
    errors = _side_by_side([pick, pick, pick])
    assert not errors, f"choosing the zygote in threads failed: {errors[:1]!r}"
    assert profile_of(code) == "keras"


def test_a_parse_beside_one_the_lock_does_not_hold_still_succeeds(switching_threads: None) -> None:
    """``traceback`` parses a failing line without our lock; our parse must not fail for it."""
    ours: Callable[[], object] = lambda: pysource.parse(GRADER)  # noqa: E731

    def theirs() -> None:
        with contextlib.suppress(SystemError):  # theirs is not ours to fix
            ast.parse(GRADER)

    errors = _side_by_side([ours, theirs, theirs])
    assert not errors, f"our parse failed beside an unlocked one: {errors[:1]!r}"
