"""A free cgroup slot holds a spare of the zygote that last ran in it, so that the slot's next
run does not wait to join it (joining a cgroup waits for an RCU grace period: 5-15 ms of a
quick grading's ~45). The spare's run must keep every guarantee of a slot: its limits, and a
slot's accounting that holds its own run's processes only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import RunResult
from feynlab.settings import Settings
from tests.sandbox.conftest import wait_for

pytestmark = [pytest.mark.sandbox]


@pytest.fixture
def one_slot(sandbox_settings: Settings) -> Iterator[Runner]:
    settings = sandbox_settings.model_copy(update={"workers": 1, "run_memory_mb": 400})
    with Runner(settings) as r:
        if not r.sandbox.cgroups.has_memory:
            pytest.skip("no memory cgroup here: nothing to join ahead")
        r.sandbox.warm("numpy", "sklearn")
        yield r


def _slot_pids(runner: Runner, slot: int = 0) -> set[int]:
    procs = runner.sandbox.cgroups.slot_dir("memory", slot) / "cgroup.procs"
    return {int(pid) for pid in procs.read_text().split()}


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "State:\tZ" not in status.read_text()
    except FileNotFoundError:
        return False


def test_the_next_run_in_a_slot_is_the_spare_that_joined_it(one_slot: Runner) -> None:
    assert one_slot.run_code(code="print('first')").status == "ok"
    assert wait_for(lambda: len(_slot_pids(one_slot)) == 1), _slot_pids(one_slot)
    (waiting,) = _slot_pids(one_slot)  # a spare, in the free slot, before any run asks for it

    result = one_slot.run_code(code="print(open('/proc/self/cgroup').read())")
    assert result.status == "ok", result
    memory = next(line for line in result.output.splitlines() if ":memory:" in line)
    assert memory.endswith("/slot-0"), result.output
    assert wait_for(lambda: not _alive(waiting)), "the spare in the slot did not run the run"
    assert wait_for(lambda: len(_slot_pids(one_slot)) == 1)  # and the next one joined


def test_a_run_in_a_joined_slot_keeps_its_memory_limit(one_slot: Runner) -> None:
    assert one_slot.run_code(code="print('first')").status == "ok"
    assert wait_for(lambda: len(_slot_pids(one_slot)) == 1)
    grab = "import numpy as np\nx = np.ones(700 * 2**20 // 8)\nprint('allocated', x.nbytes)\n"
    result = one_slot.run_code(code=grab)
    assert result.status == "memory", (result.status, result.output[-300:])


@pytest.fixture
def two_slots(sandbox_settings: Settings) -> Iterator[Runner]:
    settings = sandbox_settings.model_copy(update={"workers": 2})
    with Runner(settings) as r:
        if not r.sandbox.cgroups.has_memory:
            pytest.skip("no memory cgroup here: nothing to join ahead")
        r.sandbox.warm("numpy", "sklearn")
        yield r


def test_a_run_of_another_zygote_has_the_slot_to_itself(two_slots: Runner) -> None:
    for _ in range(2):  # one run in each slot: each then holds a spare of the NumPy zygote
        assert two_slots.run_code(code="print('numpy zygote')").status == "ok"
    assert wait_for(lambda: all(len(_slot_pids(two_slots, s)) == 1 for s in (0, 1)))
    numpy_spares = _slot_pids(two_slots, 0) | _slot_pids(two_slots, 1)
    printed = threading.Event()

    def on_event(event: dict[str, Any]) -> None:
        if "sleeping" in str(event.get("text", "")):
            printed.set()

    code = "import scipy, time\nprint('sleeping', flush=True)\ntime.sleep(3)\n"  # sklearn's
    results: list[RunResult] = []
    run = threading.Thread(
        target=lambda: results.append(two_slots.run_code(code=code, on_event=on_event))
    )
    run.start()
    assert printed.wait(60), "the sklearn run did not start"
    # the NumPy spare of the slot the run took left it before the run began (the spare that
    # joined later holds a copy of its socket: it is told to go, not shown a closed socket)
    assert wait_for(lambda: len(numpy_spares - {p for p in numpy_spares if _alive(p)}) == 1)
    during = [_slot_pids(two_slots, s) for s in (0, 1)]
    run.join(60)
    assert results and results[0].status == "ok", results
    # so the slot's memory figures and its emptiness check after the run see its own process
    assert sorted(len(pids) for pids in during) == [1, 1], (numpy_spares, during)
    assert wait_for(lambda: all(len(_slot_pids(two_slots, s)) == 1 for s in (0, 1)))
