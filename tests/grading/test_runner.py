"""The runner with the real sandbox: it grades once and reports whose fault; it never retries."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import Fault
from feynlab.sandbox.zygote import profile_of
from tests.sandbox.conftest import SOLUTION, exercise, runner, sandbox_settings  # noqa: F401

pytestmark = pytest.mark.sandbox


def test_a_zygote_dying_mid_grading_is_a_platform_fault_after_one_run(
    runner: Runner,  # noqa: F811
    exercise,  # noqa: F811
) -> None:
    printed: list[str] = []

    def on_event(event: dict[str, Any]) -> None:
        if event.get("type") == "stdout":
            printed.append(event["text"])

    code = 'print("STARTED", flush=True)\nimport time\ntime.sleep(20)\n' + SOLUTION
    zygote = runner.sandbox.zygote_pid(profile_of(code))  # the zygote this run forks from

    def kill_when_started() -> None:
        deadline = time.monotonic() + 30
        while not any("STARTED" in text for text in printed) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(zygote, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    verdict = runner.grade(exercise=exercise, code=code, on_event=on_event)
    killer.join()
    assert (verdict.status, verdict.fault) == ("infra-error", Fault.platform), verdict
    assert "not in your code" in verdict.feedback
    assert sum(text.count("STARTED") for text in printed) == 1  # the runner did not run it again
    again = runner.grade(exercise=exercise, code=SOLUTION)  # a fresh zygote takes over
    assert (again.status, again.fault) == ("passed", Fault.learner)


def test_an_edited_grader_grades_the_next_submission(
    runner: Runner,  # noqa: F811
    exercise,  # noqa: F811
    tmp_path,
) -> None:
    # grader hosts start ahead of their grading: one started before a course update is not used
    import dataclasses
    import shutil

    folder = tmp_path / "add"
    shutil.copytree(exercise.directory, folder)
    for p in [folder, *folder.parents]:
        if p == p.parent or str(p) == "/tmp":
            break
        os.chmod(p, 0o755)
    copy = dataclasses.replace(exercise, directory=folder)
    for _ in range(2):  # graded twice: a spare host for it starts
        assert runner.grade(exercise=copy, code=SOLUTION).status == "passed"
    grader = folder / "grader.py"
    grader.write_text(
        grader.read_text()
        + "\n\ndef grade(judge):  # noqa: F811\n"
        + "    return Result(score=0.0, metrics={'accuracy': 0.0}, feedback='EDITED GRADER')\n"
    )
    verdict = runner.grade(exercise=copy, code=SOLUTION)
    assert verdict.status == "failed" and "EDITED GRADER" in verdict.feedback, verdict


def _grader_hosts() -> list[int]:
    """Live grader host launchers started by this process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"feynlab.grading.grader_host" in cmdline:
            found.append(int(entry))
    return found


def test_concurrent_gradings_leave_one_spare_grader_host(
    runner: Runner,  # noqa: F811
    exercise,  # noqa: F811
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # hosts other tests' runners keep as their spares are children of this process too
    before = set(_grader_hosts())
    with ThreadPoolExecutor(3) as pool:
        verdicts = list(
            pool.map(lambda _: runner.grade(exercise=exercise, code=SOLUTION), range(6))
        )
    assert all(v.status == "passed" for v in verdicts), verdicts
    deadline = time.monotonic() + 10
    while len(set(_grader_hosts()) - before) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    # every host served one grading and was closed; what is left is the one spare for this
    # exercise (at most one started by these gradings: never two spares for one exercise)
    started_here = set(_grader_hosts()) - before
    assert len(started_here) <= 1, (started_here, before)
