"""Public checks (public.py, the exercise page's Run) get no hidden data: the grader host mounts
no dataset's hidden files for them, even where the exercise's grader.py names a dataset."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from feynlab.grading.runner import Runner
from tests.grading.test_grader_isolation import (  # noqa: F401
    HEADER,
    assert_author_fault,
    datasets,
    grade,
    make_exercise,
)
from tests.sandbox.conftest import exercise, runner, sandbox_settings  # noqa: F401

pytestmark = pytest.mark.sandbox

READS_MNIST = """
from feynlab.datasets.service import load_hidden

def grade(judge):
    labels = load_hidden("mnist", data_dir=judge.public_dir.parent)
    return leaked(f"mnist {labels.tolist()}")
"""


def test_public_checks_cannot_read_the_hidden_labels_the_grader_can(
    runner: Runner,  # noqa: F811
    make_exercise,  # noqa: F811
    datasets: Path,  # noqa: F811
) -> None:
    ex = make_exercise(READS_MNIST)  # grader.py names mnist: a grading mounts its labels
    (ex.directory / "public.py").write_text(HEADER + textwrap.dedent(READS_MNIST))
    assert grade(runner, ex).feedback == "LEAKED mnist [1, 2, 3]"  # the grader: by design
    checks = grade(runner, ex.public_checks())
    assert_author_fault(checks)  # public.py: no such file in its view
    assert "LEAKED" not in (checks.error or "")
