"""The app with its real grading queue (embedded by default) and one real runner per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from feynlab.grading.queue.runners import build_runner, close_runner
from feynlab.settings import Settings
from tests.conftest import EXAMPLE_COURSES


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The runner named by FEYNLAB_RUNNER_FACTORY (the local sandbox by default), shared."""
    base: Path = tmp_path_factory.mktemp("runner")
    settings = Settings(
        env="test",
        secret_key="test-secret-key-0123456789",
        courses_dir=EXAMPLE_COURSES,
        data_dir=base / "data",
        var_dir=base / "var",
    )
    factory = settings.runner_factory
    try:
        built = build_runner(settings, factory)
    except ImportError as exc:
        pytest.skip(f"the sandbox runner ({factory}) is not available: {exc}")
    yield built
    close_runner(built)


@pytest.fixture
def app(settings: Settings, runner: Any) -> FastAPI:
    """The app as `feynlab serve` builds it, its worker pool using the shared runner."""
    from feynlab.app import create_app

    # The same settings object: a test that changes a limit on `settings` changes the app's.
    settings.job_lease_s, settings.idle_poll_s, settings.event_poll_s = 3.0, 0.2, 0.05
    return create_app(settings, runner=runner)
