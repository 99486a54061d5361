"""One process per run: the zygote clones each run straight into its namespaces (it is PID 1
of its own PID namespace), waits for it and reports how it ended. Before, each run was two
processes (a monitor forked from the zygote, which forked the learner): two forks of a large
process, and a second copy of its page tables for every waiting spare."""

from __future__ import annotations

import threading

import pytest

from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import RunResult
from tests.sandbox.conftest import children, wait_for, zygote_pid

pytestmark = [pytest.mark.sandbox]


def _nspid(pid: int) -> list[str]:
    with open(f"/proc/{pid}/status") as f:
        return next(line for line in f if line.startswith("NSpid:")).split()[1:]


def test_a_run_and_each_spare_is_one_process_below_the_zygote(numpy_runner: Runner) -> None:
    sandbox = numpy_runner.sandbox
    zygote = zygote_pid(sandbox.zygote_process("numpy"))
    spares = sandbox.settings.workers
    assert wait_for(lambda: len(children(zygote)) == spares), children(zygote)

    started = threading.Event()
    result: list[RunResult] = []
    code = "import time\nprint('running', flush=True)\ntime.sleep(3)\n"

    def run() -> None:
        result.append(numpy_runner.run_code(code=code, on_event=lambda e: started.set()))

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert started.wait(20), "the run did not start"
        below = children(zygote)
        # the spares, refilled, and the run: each the PID 1 of a namespace of its own, and
        # nothing between it and the zygote (a waiting spare and a sleeping run start nothing)
        assert len(below) == spares + 1, below
        for pid in below:
            assert _nspid(pid)[-1] == "1", (pid, _nspid(pid))
            assert children(pid) == [], f"process {pid} below the zygote has children"
    finally:
        thread.join()
    (done,) = result
    assert done.status == "ok", (done.status, done.output[-500:])
    assert done.output.strip() == "running"
    assert done.resources.cpu_s > 0 and done.resources.max_rss_mb > 0  # the zygote's report


def test_a_run_names_its_own_thread_to_the_c_library(numpy_runner: Runner) -> None:
    """glibc keeps each thread's TID; a run cloned without setting it would carry the zygote's,
    and calls that use it (a thread's CPU clock, signalling a thread) would name no thread."""
    code = (
        "import threading, time\n"
        "clock = time.pthread_getcpuclockid(threading.get_ident())\n"
        "print('thread cpu', time.clock_gettime(clock) > 0)\n"
    )
    result = numpy_runner.run_code(code=code)
    assert result.status == "ok", (result.status, result.output[-800:])
    assert "thread cpu True" in result.output
