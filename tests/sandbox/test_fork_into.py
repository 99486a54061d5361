"""``namespaces.fork_into``, both ways it clones: ``clone3``, and ``clone`` where a seccomp
filter or an old kernel hides ``clone3`` (ENOSYS). Run in a fresh single-threaded Python, as in
the zygote: the child must be PID 1 of its new namespaces, with glibc naming its own thread,
Python's after-fork hooks run, and its exit status must reach the parent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from feynlab.sandbox.namespaces import probe

pytestmark = [pytest.mark.sandbox]

CHILD = """
import json, os, sys, threading, time
from feynlab.sandbox import namespaces as ns

ns._use_clone3 = sys.argv[1] == "clone3"
hooks = []
os.register_at_fork(after_in_child=lambda: hooks.append("child"))
read, write = os.pipe()
pid = ns.fork_into(ns.CLONE_NEWUSER | ns.CLONE_NEWPID | ns.CLONE_NEWNS)
if pid == 0:
    clock = time.pthread_getcpuclockid(threading.get_ident())
    worker = threading.Thread(target=lambda: None)
    worker.start()
    worker.join()
    report = {"pid": os.getpid(), "hooks": hooks, "thread_clock": time.clock_gettime(clock) > 0}
    os.write(write, json.dumps(report).encode())
    os._exit(7)
os.close(write)
_, status, _ = os.wait4(pid, 0)
child = json.loads(os.read(read, 4096))
print(json.dumps({"child": child, "exit": os.waitstatus_to_exitcode(status), "hooks": hooks}))
"""


@pytest.mark.parametrize("call", ["clone3", "clone"])
def test_a_child_cloned_into_new_namespaces_is_a_whole_process(call: str) -> None:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no namespaces here: {reason}")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, call], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exit"] == 7
    assert result["hooks"] == []  # the parent ran no child hook
    assert result["child"] == {"pid": 1, "hooks": ["child"], "thread_clock": True}
