"""A real sandbox shared by the hostile-code suite, on a throwaway data folder."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from feynlab.courses.find import find_exercise
from feynlab.grading.exercise import GradableExercise
from feynlab.grading.runner import Runner
from feynlab.sandbox.namespaces import probe
from feynlab.sandbox.zygote import PROFILES
from feynlab.sandbox.zygote_process import ZygoteProcess
from feynlab.settings import Settings

HERE = Path(__file__).parent
COURSES = HERE / "fixtures" / "courses"
ATTACKS = HERE / "attacks"
SOLUTION = (COURSES / "testcourse" / "exercises" / "add" / "solution.py").read_text()


@pytest.fixture(scope="session")
def sandbox_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    reason = probe()
    if reason is not None:
        pytest.skip(f"no sandbox on this machine: {reason}")
    data = tmp_path_factory.mktemp("data")
    (data / "public").mkdir()
    (data / "hidden").mkdir()
    np.save(data / "public" / "x.npy", np.arange(12, dtype=np.float32).reshape(3, 4))
    np.savez(data / "hidden" / "answers.npz", sum=np.arange(3))
    os.chmod(data, 0o755)
    for p in data.parents:  # pytest's temporary folders are root-only; the sandbox user must pass
        if p == Path("/tmp"):
            break
        os.chmod(p, 0o755)
    return Settings(data_dir=data, courses_dir=COURSES, workers=2)


@pytest.fixture(scope="session")
def runner(sandbox_settings: Settings) -> Iterator[Runner]:
    os.environ["FEYNLAB_SECRET_KEY"] = "topsecret-key-never-in-the-sandbox"
    with Runner(sandbox_settings) as r:
        r.sandbox.warm(*PROFILES)
        yield r


@pytest.fixture(scope="session")
def exercise() -> GradableExercise:
    return find_exercise(COURSES, "testcourse/add").gradable()


@pytest.fixture(scope="session")
def loopback_services() -> Iterator[list[int]]:
    """Listeners on the ports of the web app, PostgreSQL and Redis (where they are free)."""
    listeners, ports = [], []
    for port in (8000, 5432, 6379):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            ports.append(port)  # a real service already listens there: just as good
            s.close()
            continue
        s.listen()
        listeners.append(s)
        ports.append(port)
        threading.Thread(target=_accept_forever, args=(s,), daemon=True).start()
    yield ports
    for s in listeners:
        s.close()


def _accept_forever(s: socket.socket) -> None:
    while True:
        try:
            conn, _ = s.accept()
            conn.close()
        except OSError:
            return


def sandbox_processes(uid: int) -> set[int]:
    """Host pids running as the sandbox user."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.add(int(entry))
            except OSError:
                pass
    return pids


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (other test sessions may run sandboxes of their own)."""
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            found.update(kids)
            todo.extend(kids)
    return found


@pytest.fixture
def numpy_runner(sandbox_settings: Settings) -> Iterator[Runner]:
    """A runner of its own (two worker slots, so two spares), its NumPy zygote warm."""
    with Runner(sandbox_settings.model_copy(update={"workers": 2})) as r:
        r.sandbox.warm("numpy")
        yield r


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (its direct children)."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(k) for k in f.read().split()]


def zygote_pid(z: ZygoteProcess) -> int:
    """Host pid of the zygote's Python process: the first one, going down from its launcher
    (bwrap, or unshare when root), that runs the zygote module (its spares run it too, below)."""
    todo = [z.process.pid]
    while todo:
        pid = todo.pop(0)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv[1:3] == [b"-m", b"feynlab.sandbox.zygote"]:
            return pid
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                todo.extend(int(k) for k in f.read().split())
    raise AssertionError(f"no zygote process below {z.process.pid}")


def leftover_run_processes(root: int, spares: int) -> list[tuple[int, list[str]]]:
    """Sandbox processes that belong to a run (three PID namespaces deep) and are not spares.

    A waiting spare is PID 1 of its run's namespace; anything else that deep is a leftover,
    and more PID-1 processes than spares means a run's init outlived its run.
    """
    deep = []
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
        except (OSError, StopIteration):
            continue
        if len(nspid) >= 3:
            deep.append((pid, nspid))
    inits = [p for p in deep if p[1][-1] == "1"]
    others = [p for p in deep if p[1][-1] != "1"]
    return others + (inits if len(inits) > spares else [])


def wait_for(predicate, timeout_s: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
