"""`feynlab grade` and `feynlab run` as a learner or an operator calls them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ATTACKS, COURSES

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
FEYNLAB = [sys.executable, "-m", "feynlab.cli"]


def _feynlab(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FEYNLAB_COURSES_DIR": str(COURSES), "FEYNLAB_DATA_DIR": str(data_dir)}
    return subprocess.run([*FEYNLAB, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize(("attack", "status"), [("fake_verdict", "failed"), ("os_exit", "error")])
def test_grade_json(attack: str, status: str, sandbox_settings) -> None:  # type: ignore[no-untyped-def]
    done = _feynlab(
        "grade",
        "testcourse/add",
        str(ATTACKS / f"{attack}.py"),
        "--json",
        data_dir=sandbox_settings.data_dir,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["status"] == status
    for key in ("score", "metrics", "feedback", "output", "duration_s"):
        assert key in verdict


def test_usage_errors_exit_2(tmp_path: Path, sandbox_settings) -> None:  # type: ignore[no-untyped-def]
    done = _feynlab(
        "grade", "testcourse/nope", str(tmp_path / "x.py"), data_dir=sandbox_settings.data_dir
    )
    assert done.returncode == 2 and "unknown exercise" in done.stderr
    done = _feynlab("run", str(tmp_path / "missing.py"), data_dir=sandbox_settings.data_dir)
    assert done.returncode == 2 and "cannot read" in done.stderr
