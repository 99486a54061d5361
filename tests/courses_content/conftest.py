"""The shipped courses, and a real sandbox on the provisioned datasets to prove them with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feynlab.datasets import DATASETS, is_provisioned
from feynlab.grading.runner import Runner
from feynlab.sandbox.namespaces import probe
from feynlab.settings import REPO_ROOT, get_settings

COURSES_DIR = REPO_ROOT / "courses"
WRONG_DIR = Path(__file__).parent
COURSES = (
    "unsupervised-1",
    "supervised-1",
    "supervised-2",
    "qlearning-snake",
    "evaluating-models",
)
# exercises whose reference trains a network or an agent: tens of seconds each
SLOW = {
    "unsupervised-1/fashion-clusters",
    "supervised-1/mnist-classifier",
    "supervised-2/fashion-cnn",
    "qlearning-snake/snake-3x3",
    "evaluating-models/predict-your-score",
}


def exercises() -> list[str]:
    import yaml

    found = []
    for course in COURSES:
        spec = yaml.safe_load((COURSES_DIR / course / "course.yaml").read_text())
        found += [f"{course}/{slug}" for slug in spec["exercises"]]
    return found


def marked(targets: list[str]) -> list:
    return [pytest.param(t, marks=[pytest.mark.slow] if t in SLOW else [], id=t) for t in targets]


@pytest.fixture(scope="session")
def course_runner() -> Iterator[Runner]:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no sandbox on this machine: {reason}")
    settings = get_settings()
    missing = [n for n in DATASETS if not is_provisioned(n, data_dir=settings.data_dir)]
    if missing:
        pytest.skip(
            f"datasets not provisioned ({', '.join(missing)}): run `feynlab datasets fetch`"
        )
    with Runner(settings) as runner:
        yield runner
