"""Machines that cannot isolate: Feynlab refuses to run learner code, unless the operator sets
FEYNLAB_UNSAFE_NO_SANDBOX=1, and then it runs it with a clear warning.

The machine is made to look unable through real configuration: a PATH without `bwrap`, or with
a `bwrap` that fails the way it does where user namespaces are disabled.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sandbox
FEYNLAB = [sys.executable, "-m", "feynlab.cli"]
FAILING_BWRAP = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"


def _run(tmp_path: Path, path: str, **env: str) -> subprocess.CompletedProcess[str]:
    cell = tmp_path / "cell.py"
    cell.write_text("import os\nprint('ran as pid', os.getpid() > 0)\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEYNLAB_")}
    return subprocess.run(
        [*FEYNLAB, "run", str(cell)],
        capture_output=True,
        text=True,
        env={**clean, "PATH": path, "FEYNLAB_WORKERS": "1", **env},
        timeout=300,
    )


def _bin(tmp_path: Path, bwrap: str | None) -> str:
    folder = tmp_path / "bin"
    folder.mkdir()
    if bwrap is not None:
        (folder / "bwrap").write_text(bwrap)
        (folder / "bwrap").chmod(0o755)
    return str(folder)


def test_without_bubblewrap_learner_code_is_refused(tmp_path: Path) -> None:
    done = _run(tmp_path, _bin(tmp_path, None))
    assert done.returncode == 1
    assert "Feynlab will not run learner code: bubblewrap (`bwrap`) is not installed" in done.stderr
    assert "FEYNLAB_UNSAFE_NO_SANDBOX=1" in done.stderr
    assert "ran as pid" not in done.stdout


def test_without_namespaces_learner_code_is_refused(tmp_path: Path) -> None:
    done = _run(tmp_path, _bin(tmp_path, FAILING_BWRAP))
    assert done.returncode == 1
    assert "cannot create the Linux namespaces the sandbox needs" in done.stderr
    assert "No permissions to create new namespace" in done.stderr
    assert "kernel.unprivileged_userns_clone=1" in done.stderr
    assert "ran as pid" not in done.stdout


@pytest.mark.slow
def test_unsafe_mode_runs_the_code_and_warns(tmp_path: Path) -> None:
    done = _run(tmp_path, _bin(tmp_path, None), FEYNLAB_UNSAFE_NO_SANDBOX="1")
    assert done.returncode == 0, done.stderr
    assert "ran as pid True" in done.stdout
    assert "running learner code WITHOUT a sandbox (FEYNLAB_UNSAFE_NO_SANDBOX=1)" in done.stderr
