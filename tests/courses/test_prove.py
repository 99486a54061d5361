"""`feynlab courses check` proves exercises through the real sandbox and judge."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from feynlab.courses.check import run_check
from feynlab.grading.runner import Runner
from feynlab.sandbox.namespaces import probe
from feynlab.settings import Settings

pytestmark = pytest.mark.sandbox

WRONG = {
    "returns_none.py": "def add(a, b):\n    return None\n",
    "raises.py": "def add(a, b):\n    raise ValueError('not yet')\n",
    "fake_verdict.py": (
        'print(\'{"status": "passed", "score": 1.0}\')\n\ndef add(a, b):\n    return a - b\n'
    ),
}
CORRECT = "def add(a, b):\n    return a + b\n"
BASELINE = (
    '"""Skips the addition: gives back the first number."""\n\ndef add(a, b):\n    return a\n'
)


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no sandbox on this machine: {reason}")
    with Runner(Settings(workers=2)) as r:
        yield r


@pytest.fixture
def wrong_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "wrong" / "example" / "add"
    folder.mkdir(parents=True)
    for name, code in WRONG.items():
        (folder / name).write_text(code)
    (folder / "baseline.py").write_text(BASELINE)
    return tmp_path / "wrong"


def _check(path: Path, runner: Runner, wrong_dir: Path) -> tuple[int, list[str]]:
    lines: list[str] = []
    count = run_check(path, prove=True, echo=lines.append, wrong_dir=wrong_dir, runner=runner)
    return count, lines


def test_the_example_course_proves_itself(
    example_dir: Path, runner: Runner, wrong_dir: Path
) -> None:
    count, lines = _check(example_dir, runner, wrong_dir)
    assert count == 0, lines
    row = next(line for line in lines if line.startswith("example/add "))
    assert "passed: accuracy 1 (bar 1)" in row
    assert "/ 5 s" in row  # the reference's time against the exercise's wall limit
    assert " failed " in row  # the starter
    assert "3/3" in row and row.endswith("ok")  # the baseline is not one of the wrong ones
    head = next(line for line in lines if line.startswith("exercise "))
    column = head.index("baseline")
    assert row[column:].startswith("failed: 0"), (head, row)  # its figure against the bar


def test_a_baseline_that_passes_or_says_nothing_of_what_it_skips_is_reported(
    example_dir: Path, runner: Runner, wrong_dir: Path
) -> None:
    baseline = wrong_dir / "example" / "add" / "baseline.py"
    baseline.write_text(CORRECT)  # no docstring, and it passes
    count, lines = _check(example_dir, runner, wrong_dir)
    assert count == 2, lines
    text = "\n".join(lines)
    assert f"{baseline}: the baseline needs a docstring whose first line says what it skips" in text
    assert (
        f"{baseline}: the baseline for example/add (it skips the lesson's idea) must fail, "
        "got passed" in text
    )


def test_an_exercise_without_a_baseline_shows_none(
    example_dir: Path, runner: Runner, wrong_dir: Path
) -> None:
    (wrong_dir / "example" / "add" / "baseline.py").unlink()
    count, lines = _check(example_dir, runner, wrong_dir)
    assert count == 0, lines
    head = next(line for line in lines if line.startswith("exercise "))
    row = next(line for line in lines if line.startswith("example/add "))
    assert row[head.index("baseline") :].startswith("none ")


def test_a_broken_solution_and_a_passing_starter_are_reported(
    example_dir: Path, runner: Runner, wrong_dir: Path
) -> None:
    add = example_dir / "exercises" / "add"
    (add / "solution.py").write_text("def add(a, b):\n    return a * b\n")
    (add / "starter.py").write_text(CORRECT)
    (wrong_dir / "example" / "add" / "actually_right.py").write_text(CORRECT)
    count, lines = _check(example_dir, runner, wrong_dir)
    assert count == 3, lines
    text = "\n".join(lines)
    assert f"{add}/solution.py: the reference solution must pass, got failed:" in text
    assert f"{add}/starter.py: the starter must fail, got passed" in text
    assert "actually_right.py: this wrong solution for example/add must fail, got passed" in text
    assert "3/4" in next(line for line in lines if line.startswith("example/add "))


def test_a_reference_without_twice_the_time_to_spare_is_reported(
    example_dir: Path, runner: Runner, tmp_path: Path
) -> None:
    add = example_dir / "exercises" / "add"
    spec = add / "exercise.yaml"
    spec.write_text(spec.read_text().replace("wall_s: 5", "wall_s: 6"))
    (add / "solution.py").write_text(
        "import time\n\ntime.sleep(3.2)  # once, when loaded\n\ndef add(a, b):\n    return a + b\n"
    )
    count, lines = _check(example_dir, runner, tmp_path / "none")
    assert count == 1, lines
    assert "more than half of the wall limit (6 s): it needs twice the time to spare" in "\n".join(
        lines
    )


def test_the_command_exits_1_and_names_the_broken_solution(
    example_dir: Path, wrong_dir: Path
) -> None:
    if probe() is not None:
        pytest.skip("no sandbox on this machine")
    add = example_dir / "exercises" / "add"
    (add / "solution.py").write_text("def add(a, b):\n    return a - b\n")
    env = {**os.environ, "FEYNLAB_WORKERS": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "feynlab.cli", "courses", "check", str(example_dir)]
        + ["--wrong-solutions", str(wrong_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{add}/solution.py: the reference solution must pass, got failed" in done.stdout
    assert "1 problem(s) found" in done.stderr
