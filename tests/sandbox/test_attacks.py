"""The hostile-code suite: each attack file is graded the way `feynlab grade` grades it.

After every attack: the verdict is the expected one, the platform still grades a correct
solution, no file outside the run directory changed, and no process of the run is left.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from feynlab.grading.runner import Runner
from feynlab.sandbox.zygote import profile_of

from .conftest import ATTACKS, SOLUTION, leftover_run_processes, wait_for

pytestmark = pytest.mark.sandbox
REPO = Path(__file__).resolve().parents[2]
MARKERS = [
    "/root/feynlab-pwned",
    "/tmp/feynlab-pwned",
    str(REPO / "feynlab-pwned"),
    str(REPO / "src" / "feynlab-pwned"),
    "/etc/feynlab-pwned",
    "/usr/feynlab-pwned",
    "/tmp/feynlab-daemon-was-here",
    "/tmp/result.json",
    "/home/feynlab-pwned",
]

CASES = {
    "fork_bomb": {"timeout", "error"},
    "memory_bomb": {"memory"},
    "infinite_loop": {"timeout"},
    "cpu_threads": {"timeout"},
    "sleep_past_wall": {"timeout"},
    "output_1gb": {"output-limit"},
    "fill_disk": {"error"},
    "write_outside": {"passed"},
    "read_hidden": {"failed"},
    "read_environ": {"failed"},
    "network": {"failed"},
    "kill_everything": {"passed"},
    "daemon": {"passed"},
    "fake_verdict": {"failed"},
    "fake_result_file": {"failed"},
    "os_exit": {"error"},
    "sys_exit": {"error"},
    "monkeypatch": {"failed"},
    "segfault": {"error"},
    "recursion": {"error", "memory"},
    "symlink": {"failed"},
}


def _snapshot(data_dir: Path) -> dict[str, float]:
    """Modification times of the places an attack would like to change."""
    watched = [
        REPO,
        REPO / "src",
        REPO / "src" / "feynlab",
        REPO / "tests" / "sandbox",
        data_dir,
        data_dir / "public",
        data_dir / "hidden",
        Path("/root"),
        Path("/etc"),
    ]
    return {str(p): p.stat().st_mtime for p in watched if p.exists()}


@pytest.mark.parametrize("attack", sorted(CASES))
def test_attack(attack: str, runner: Runner, exercise, loopback_services) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot(runner.settings.data_dir)
    code = (ATTACKS / f"{attack}.py").read_text()
    verdict = runner.grade(exercise=exercise, code=code)
    assert verdict.status in CASES[attack], (
        verdict.status,
        verdict.feedback,
        verdict.error,
        verdict.output[-500:],
    )
    assert verdict.duration_s < 30
    assert verdict.feedback
    # nothing left behind: no process of a finished run is alive (spares wait as PID 1)
    workers = runner.sandbox.workers
    roots = runner.sandbox.live_zygote_pids()
    assert roots[profile_of(code)]  # the run forked from the zygote its imports ask for
    for root in roots.values():
        assert wait_for(lambda: not leftover_run_processes(root, workers)), (  # noqa: B023
            leftover_run_processes(root, workers)
        )
    for marker in MARKERS:
        assert not os.path.exists(marker), f"{attack} wrote {marker}"
    assert _snapshot(runner.settings.data_dir) == before
    # and the platform still grades a correct solution right after
    follow_up = runner.grade(exercise=exercise, code=SOLUTION)
    assert follow_up.status == "passed", follow_up


def test_hidden_labels_and_environment_stay_out(runner: Runner) -> None:
    code = (
        "import os, glob\n"
        "print(sorted(os.listdir('/data')))\n"
        "print([r for r, d, f in os.walk('/') if not r.startswith(('/usr', '/proc', '/sys'))"
        " and 'hidden' in d])\n"
        "print(os.environ.get('FEYNLAB_SECRET_KEY'))\n"
        "print(os.getuid(), os.getpid())\n"
    )
    result = runner.run_code(code=code)
    assert result.status == "ok", result
    lines = result.output.splitlines()
    assert lines[0] == "['x.npy']"
    assert lines[1] == "[]"
    assert lines[2] == "None"
    assert lines[3] == "1000 1"


def test_two_concurrent_runs_cannot_see_each_other(runner: Runner) -> None:
    writer = (
        "import time, os\n"
        "open('secret-a.txt', 'w').write('a'); open('/tmp/secret-a.txt', 'w').write('a')\n"
        "print('written', flush=True)\n"
        "time.sleep(2)\n"
    )
    reader = (
        "import time, os, glob\n"
        "time.sleep(0.7)\n"
        "found = [p for top in ('/home', '/tmp', '/run', '/data', '/dev/shm')"
        " for p in glob.glob(top + '/**/secret-a.txt', recursive=True)]\n"
        "procs = [p for p in os.listdir('/proc') if p.isdigit()]\n"
        "print(found, procs)\n"
    )
    results = {}
    threads = [
        threading.Thread(target=lambda: results.__setitem__("w", runner.run_code(code=writer))),
        threading.Thread(target=lambda: results.__setitem__("r", runner.run_code(code=reader))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["w"].status == "ok" and "written" in results["w"].output
    assert results["r"].status == "ok", results["r"]
    assert results["r"].output.strip() == "[] ['1']"
