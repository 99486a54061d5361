"""The sandbox looks after itself: stale cgroups, zygote recycling, slots emptied before reuse."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from feynlab.grading.runner import Runner
from feynlab.sandbox.cgroups import ROOT, CgroupSlots, _own_path
from feynlab.settings import Settings

pytestmark = pytest.mark.sandbox


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_stale_cgroups_of_dead_owners_are_removed_at_start() -> None:
    parent = ROOT / "pids" / _own_path("pids")
    stale = parent / f"feynlab-{_dead_pid()}-0badc0de"
    alive = parent / f"feynlab-{os.getpid()}-0600dc0d"
    try:
        for base in (stale, alive):
            (base / "slot-0").mkdir(parents=True)
    except OSError as exc:
        pytest.skip(f"cannot create cgroups here: {exc}")
    try:
        slots = CgroupSlots(1, owner_uid=os.getuid(), owner_gid=os.getgid())
        slots.close()
        assert not stale.exists(), "the cgroup of a dead process was left behind"
        assert alive.exists(), "the cgroup of a live process was removed"
    finally:
        for base in (alive, stale):
            if base.exists():
                (base / "slot-0").rmdir()
                base.rmdir()


def test_a_slot_is_empty_when_the_run_returns(runner: Runner) -> None:
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    time.sleep(60)\n"
        "print('parent done')\n"
    )
    result = runner.run_code(code=code)
    assert result.status == "ok", result
    cgroups = runner.sandbox.cgroups
    for controller in cgroups.dirs:
        for slot in range(runner.sandbox.workers):
            procs = (cgroups.slot_dir(controller, slot) / "cgroup.procs").read_text().split()
            # what a free slot may hold: one spare that joined it ahead of its next run, PID 1
            # of a namespace of its own; never the run's forked child
            assert len(procs) <= 1, (controller, slot, procs)
            for pid in procs:
                status = Path(f"/proc/{pid}/status").read_text()
                nspid = next(line for line in status.splitlines() if line.startswith("NSpid:"))
                assert nspid.split()[-1] == "1", (controller, slot, nspid)


@pytest.mark.slow
def test_a_worn_zygote_is_replaced_in_the_background(sandbox_settings: Settings) -> None:
    settings = sandbox_settings.model_copy(update={"zygote_max_runs": 2, "workers": 1})
    with Runner(settings) as r:
        sandbox = r.sandbox
        first = sandbox.zygote_process("numpy")  # what print() runs on
        for _ in range(2):
            assert r.run_code(code="print('hi')").status == "ok"
        started = time.monotonic()
        result = r.run_code(code="print('still served')")  # the one that finds it worn
        waited = time.monotonic() - started
        assert result.status == "ok" and "still served" in result.output
        assert waited < 3.0, f"the run waited {waited:.1f} s for a new zygote"
        sandbox.wait_recycled(timeout_s=300)
        second = sandbox.zygote_process("numpy")
        assert second is not first
        assert r.run_code(code="print('new zygote')").status == "ok"
        assert first.process.wait(timeout=10) is not None  # the worn one stopped once idle
