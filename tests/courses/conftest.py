"""Fixtures of the course tests: a private copy of the example course folder per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feynlab.settings import Settings
from tests.conftest import EXAMPLE_COURSES


@pytest.fixture
def courses_dir(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/courses that a test may change."""
    target = tmp_path / "courses"
    shutil.copytree(EXAMPLE_COURSES, target)
    return target


@pytest.fixture
def example_dir(courses_dir: Path) -> Path:
    return courses_dir / "example"


@pytest.fixture
def settings(settings: Settings, courses_dir: Path) -> Settings:
    return settings.model_copy(update={"courses_dir": courses_dir})
