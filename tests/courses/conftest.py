"""Fixtures of the course tests (the private course copy `courses_dir` is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def example_dir(courses_dir: Path) -> Path:
    return courses_dir / "example"
