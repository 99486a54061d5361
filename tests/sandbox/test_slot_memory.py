"""A cgroup slot that is still charged after its run is renewed before the next learner gets it.

The charge here comes from the host (a process of the slot leaves pages in a host tmpfs), the
way the zygote's shared /dev/shm once left a run's 1.8 GB charged to its slot: the next run in
that slot died of `memory` far under its limit.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from feynlab.grading.runner import Runner
from feynlab.sandbox.cgroups import CgroupSlots
from feynlab.settings import Settings

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
CHARGE = """
import sys
with open(sys.argv[1], "w") as f:
    f.write("0")
with open(sys.argv[2], "wb") as f:
    for _ in range(300):
        f.write(b"x" * 2**20)
"""
ALLOCATE = "import numpy as np\nx = np.ones(400 * 2**20 // 8)\nprint('allocated', x.nbytes >> 20)\n"


def _charged_mb(cgroups: CgroupSlots) -> float:
    usage = cgroups.slot_dir("memory", 0) / "memory.usage_in_bytes"
    return int(usage.read_text()) / 2**20


@pytest.fixture
def one_slot(sandbox_settings: Settings) -> Iterator[Runner]:
    settings = sandbox_settings.model_copy(update={"workers": 1, "run_memory_mb": 600})
    with Runner(settings) as r:
        if not r.sandbox.cgroups.has_memory:
            pytest.skip("no memory cgroup here: the slot's charge cannot outlive a run")
        yield r


def test_a_slot_left_charged_is_renewed_before_the_next_run(one_slot: Runner) -> None:
    cgroups = one_slot.sandbox.cgroups
    ballast = Path(f"/dev/shm/feynlab-test-charge-{uuid.uuid4().hex}")
    try:
        procs = cgroups.slot_dir("memory", 0) / "cgroup.procs"
        subprocess.run([sys.executable, "-c", CHARGE, str(procs), str(ballast)], check=True)
        assert _charged_mb(cgroups) > 250  # 300 MB charged, no process left in the slot
        first = one_slot.run_code(code="print('hi')")
        assert first.status == "ok", first
        second = one_slot.run_code(code=ALLOCATE)
        assert second.status == "ok", (second.status, second.output[-500:])
        assert "allocated 400" in second.output
        one_slot.sandbox.settle()  # the slot is tidied after the run's outcome, off its path
        assert _charged_mb(cgroups) < 64
    finally:
        ballast.unlink(missing_ok=True)
