"""What one run can leave for the next, which kernel interfaces it reaches, and which files it
sees: each attack file runs the way `feynlab run FILE` runs it (a code cell in the sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feynlab.grading.runner import Runner

from .conftest import ATTACKS, COURSES

pytestmark = pytest.mark.sandbox
FEYNLAB = [sys.executable, "-m", "feynlab.cli"]


def _run(runner: Runner, attack: str):  # type: ignore[no-untyped-def]
    return runner.run_code(code=(ATTACKS / f"{attack}.py").read_text())


def test_dev_shm_is_the_runs_own_and_is_not_charged_to_the_next(runner: Runner) -> None:
    left = _run(runner, "shm_leave")
    assert left.status == "ok", left
    assert "wrote 1500 MB" not in left.output  # the run's /dev/shm is small
    # every slot, one after the other: none saw the note, none paid for the ballast
    for _ in range(runner.sandbox.workers + 1):
        after = _run(runner, "shm_read")
        assert after.status == "ok", (after.status, after.output[-500:])
        assert "shm: []" in after.output
        assert "allocated 1000 MB" in after.output
    runner.sandbox.settle()  # the slot is tidied after the run's outcome, off its path
    for slot in range(runner.sandbox.workers):
        assert runner.sandbox.cgroups.charged_mb(slot) < 64


def test_dev_is_read_only(runner: Runner) -> None:
    result = _run(runner, "dev_write")
    assert result.status == "ok", result
    assert "written" not in result.output
    assert result.output.count("refused: Read-only file system") == 4, result.output


def test_kernel_interfaces_fail_with_eperm_through_the_cli(sandbox_settings) -> None:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "FEYNLAB_COURSES_DIR": str(COURSES),
        "FEYNLAB_DATA_DIR": str(sandbox_settings.data_dir),
    }
    done = subprocess.run(
        [*FEYNLAB, "run", "--json", str(ATTACKS / "syscalls.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "ok", result
    outcomes = dict(line.split("=", 1) for line in result["output"].splitlines() if "=" in line)
    for name in (
        "io_uring_setup",
        "unshare",
        "clone_newuser",
        "perf_event_open",
        "bpf",
        "userfaultfd",
        "keyctl",
        "add_key",
        "ptrace",
        "mount",
        "setns",
    ):
        assert outcomes.get(name) == "EPERM", (name, result["output"])
    assert "still working: ['thread'] 7" in result["output"]


def test_os_data_folders_are_not_in_the_view(runner: Runner) -> None:
    result = _run(runner, "usr_datasets")
    assert result.status == "ok", result
    assert "found: []" in result.output, result.output
    assert "labels: No such file or directory" in result.output


def test_the_ml_stack_still_works(runner: Runner) -> None:
    result = _run(runner, "ml_stack")
    assert result.status == "ok", (result.status, result.error, result.output[-2000:])
    for line in (
        "torch True",
        "sklearn True",
        "keras 1",
        "matplotlib ok",
        "processes [1, 2]",
        "semaphore ok",
    ):
        assert line in result.output, result.output


def test_the_view_holds_no_part_of_usr_share_but_time_zones(runner: Runner) -> None:
    result = runner.run_code(code="import os\nprint(sorted(os.listdir('/usr/share')))\n")
    assert result.status == "ok", result
    assert result.output.strip() == "['zoneinfo']"


def _planted(tmp_path: Path) -> Path:
    """A data folder where a hidden file was copied into the public part, under a new name."""
    data = tmp_path / "data"
    (data / "hidden" / "set").mkdir(parents=True)
    (data / "public" / "set").mkdir(parents=True)
    labels = os.urandom(10_000)
    (data / "hidden" / "set" / "y_test.npy").write_bytes(labels)
    (data / "public" / "set" / "y_test.npy").write_bytes(os.urandom(10_000))  # same size only
    (data / "public" / "set" / "notes.bin").write_bytes(labels)
    return data


def _feynlab(*args: str, data: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FEYNLAB_COURSES_DIR": str(COURSES),
        "FEYNLAB_DATA_DIR": str(data),
        "FEYNLAB_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    return subprocess.run([*FEYNLAB, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--port", "8765"],
        ["worker"],
        ["courses", "check", str(COURSES)],
        ["run", str(ATTACKS / "os_exit.py")],
    ],
    ids=["serve", "worker", "courses-check", "run"],
)
def test_a_copy_of_a_hidden_file_in_the_view_stops_grading(
    command: list[str], tmp_path: Path, sandbox_settings
) -> None:  # type: ignore[no-untyped-def]
    data = _planted(tmp_path)
    done = _feynlab(*command, data=data, tmp_path=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Feynlab will not grade" in done.stderr, done.stderr
    assert str(data / "public" / "set" / "notes.bin") in done.stderr
    assert "y_test.npy (a copy" not in done.stderr  # same size, other content: not a copy
    assert "Traceback" not in done.stderr
