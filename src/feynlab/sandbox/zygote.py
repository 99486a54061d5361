"""The warm zygote: imports the ML stack once, then forks one process per run on request.

Runs inside bubblewrap as the unprivileged sandbox user (see ``zygote_process``). It holds no
secret, starts no thread pool and runs no tensor operation. It talks to the trusted parent over
a SOCK_SEQPACKET socket: ``spawn`` (with the run's descriptors attached), ``kill``, ``account``
(what a run still alive has used), ``prime`` (a spare joins a free cgroup slot ahead of the
slot's next run) and ``unprime``.

Usage: ``python -m feynlab.sandbox.zygote FD ISOLATE SPARES [PROFILE]``
"""

from __future__ import annotations

import array
import contextlib
import gc
import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any

from feynlab.sandbox import seccomp

MAX_MESSAGE = 64 * 1024
FDS_PER_RUN = 4  # stdout, stderr, judge channel, status
CPUCLOCK_SCHED = 2  # a process CPU clock's kind: what the scheduler counted, in nanoseconds


PROFILES = ("numpy", "sklearn", "keras")  # each imports what the one before it does, and more


def warm_imports(profile: str = "keras") -> None:
    """Import what learner code of ``profile`` uses, without running anything that starts threads.

    ``numpy`` is a small zygote (NumPy and the harness, well under a second); ``sklearn`` adds
    SciPy, scikit-learn and Matplotlib; ``keras`` the whole ML stack (Keras on PyTorch, ~10 s).
    A run of a smaller profile may still import anything: it just pays for that import itself.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown zygote profile {profile!r}")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import numpy  # noqa: F401
    import numpy.fft  # noqa: F401
    import numpy.random  # noqa: F401 -- NumPy 2 loads it lazily: 12 ms of every run's reseed

    if profile in ("sklearn", "keras"):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.pyplot  # noqa: F401
        from matplotlib import font_manager

        font_manager.findfont("DejaVu Sans")  # builds the font cache once, here
        import scipy  # noqa: F401
        import sklearn  # noqa: F401
        import sklearn.cluster  # noqa: F401
        import sklearn.decomposition  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.metrics  # noqa: F401
        import sklearn.model_selection  # noqa: F401
        import sklearn.neighbors  # noqa: F401
    from feynlab.datasets import keras_offline

    if profile == "keras":
        import keras  # noqa: F401
        import keras.layers  # noqa: F401
        import torch  # noqa: F401

        keras_offline.install()  # keras.datasets.*.load_data() offline, without the test set
    else:
        from feynlab.sandbox import shims

        # the learner's own ``import keras`` (slower, in the run) finds the datasets offline too
        shims.when_imported("keras", lambda _: keras_offline.install())
    from feynlab.sandbox import harness  # noqa: F401 -- imports its own Keras callback


# What a top-level import asks of the zygote; any other module (or none) runs on the numpy one.
NEEDS = {
    "keras": "keras",
    "torch": "keras",
    "torchvision": "keras",
    "tensorflow": "keras",
    "jax": "keras",
    "sklearn": "sklearn",
    "scipy": "sklearn",
    "matplotlib": "sklearn",
    "pandas": "sklearn",
    "seaborn": "sklearn",
}


def profile_of(*sources: str, declared: str | None = None) -> str:
    """The smallest profile whose zygote preloads what ``sources`` import (and at least the
    ``declared`` one). A guess to save time, never a limit: code that imports more, in a way no
    parser sees, imports it in its run. Code that does not parse gets the smallest zygote: it
    fails at once anyway. Called from the server's threads side by side: parsed through
    ``pysource.parse``."""
    import ast

    from feynlab.pysource import parse

    rank = PROFILES.index(declared) if declared in PROFILES else 0
    for source in sources:
        try:
            tree = parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                need = NEEDS.get(name.partition(".")[0])
                if need is not None:
                    rank = max(rank, PROFILES.index(need))
    return PROFILES[rank]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _vm_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Child:
    """A process the zygote forked: a spare waiting for its request (``sock``, and the cgroup
    slot it already joined, ``slot``), then a run (``run``, and the status pipe the zygote
    writes its exit status to when it ends). ``pidfd`` becomes readable when it has ended."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock
        self.pidfd = os.pidfd_open(pid)
        self.slot: int | None = None
        self.run: str | None = None
        self.status_fd = -1

    def report(self, status: int, usage: Any) -> None:
        """Write the run's exit status and resource use, one small write (it arrives whole),
        unless the parent stopped waiting for it."""
        if self.status_fd < 0:
            return
        report = {
            "exit_code": os.waitstatus_to_exitcode(status),
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "max_rss_mb": usage.ru_maxrss / 1024,
        }
        with contextlib.suppress(OSError):  # its reading end is closed
            os.write(self.status_fd, json.dumps(report).encode())

    def drop_status(self) -> None:
        if self.status_fd >= 0:
            os.close(self.status_fd)
            self.status_fd = -1


class Children:
    """Every child of the zygote, found by its run's id, its pidfd, or among the spares."""

    def __init__(self) -> None:
        self.spares: list[Child] = []
        self.runs: dict[str, Child] = {}
        self.by_pidfd: dict[int, Child] = {}
        self.poller = select.poll()

    def add_spare(self, *, isolate: bool) -> None:
        from feynlab.sandbox.child import make_spare

        child = Child(*make_spare(isolate=isolate))
        self.spares.append(child)
        self.by_pidfd[child.pidfd] = child
        self.poller.register(child.pidfd, select.POLLIN)

    def reap(self, pidfd: int) -> None:
        """A child ended: collect it, and if it was a run, report how."""
        child = self.by_pidfd[pidfd]
        try:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status, usage = child.pid, 0, None
        if pid == 0:
            return  # not ended after all
        if usage is not None:
            child.report(status, usage)
        child.drop_status()
        self.poller.unregister(pidfd)
        del self.by_pidfd[pidfd]
        os.close(pidfd)
        if child.run is not None:
            del self.runs[child.run]
        if child in self.spares:
            self.spares.remove(child)
            child.sock.close()

    def account(self, run: str) -> dict[str, Any]:
        """What a run that has not ended yet has used so far: CPU seconds (its own, from its
        process CPU clock, and those of the processes it has waited for, as the exit report
        counts them) and its peak resident memory."""
        child = self.runs.get(run)
        if child is None:
            return {"ok": False, "error": "no such run"}
        try:
            own_s = time.clock_gettime((~child.pid << 3) | CPUCLOCK_SCHED)  # clock_getcpuclockid
            with open(f"/proc/{child.pid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            with open(f"/proc/{child.pid}/status") as f:
                hwm_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration, ValueError):
            return {"ok": False, "error": "the run has ended"}
        waited_s = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime
        return {"ok": True, "cpu_s": own_s + waited_s, "max_rss_mb": hwm_kb / 1024}

    def kill(self, run: str, *, hard: bool) -> None:
        """SIGKILL a run (PID 1 of its namespace: everything it started goes with it). Its
        report follows when it is reaped; ``hard``: the parent stops waiting for it now."""
        child = self.runs.get(run)
        if child is None:
            return
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(child.pidfd, signal.SIGKILL)
        if hard:
            child.drop_status()


def _reply(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.send(json.dumps(message).encode())


def _pick(spares: list[Child], slot: Any) -> Child | None:
    """The spare for a run in ``slot``: one that already joined it, else one that joined none,
    else any (it moves to the run's slot)."""
    for wanted in (slot, None):
        for spare in spares:
            if spare.slot == wanted:
                return spare
    return spares[0] if spares else None


def _hand_to_spare(
    children: Children,
    request: dict[str, Any],
    fds: array.array,
    *,
    isolate: bool,
) -> None:
    """Give the run's request and descriptors to a waiting spare; it becomes the run, and the
    zygote keeps the run's status pipe (the last descriptor)."""
    for _ in range(3):
        if not children.spares:
            children.add_spare(isolate=isolate)
        spare = _pick(children.spares, request.get("slot"))
        assert spare is not None
        children.spares.remove(spare)
        try:
            spare.sock.sendmsg(
                [json.dumps(request).encode()],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds[:3])],
            )
        except OSError:
            continue  # that spare died (reaped when its pidfd says so); try another
        finally:
            spare.sock.close()
        spare.run = request["run"]
        spare.status_fd = os.dup(fds[3])
        children.runs[spare.run] = spare
        return
    raise OSError("no spare would take the run")


def _prime(spares: list[Child], request: dict[str, Any]) -> None:
    """Have a spare join a free cgroup slot now: joining one waits for an RCU grace period
    (cgroup v1: ~5-15 ms), which the slot's next run then does not wait for."""
    slot = request.get("slot")
    if not isinstance(slot, int) or any(spare.slot == slot for spare in spares):
        return
    for spare in spares:
        if spare.slot is None:
            try:
                spare.sock.send(json.dumps({"prime": request.get("cgroups", [])}).encode())
            except OSError:
                return  # it died: reaped when its pidfd says so
            spare.slot = slot
            return


def _unprime(spares: list[Child], slot: Any) -> None:
    """Retire the spares that joined ``slot``: a run of another zygote is about to use it."""
    for spare in [spare for spare in spares if spare.slot == slot]:
        spares.remove(spare)
        # it sees its socket close (no other child holds a copy) and exits; reaped when its
        # pidfd says so
        spare.sock.close()


def _handle(sock: socket.socket, children: Children, *, isolate: bool) -> bool:
    """Answer one message from the parent; False when the parent went away."""
    fds = array.array("i")
    try:
        msg, ancdata, _, _ = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(FDS_PER_RUN * 4))
    except InterruptedError:
        return True
    if not msg:
        return False  # the parent went away or asked us to stop
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    request = json.loads(msg)
    op = request.get("op")
    reply: dict[str, Any] = {"ok": True}
    if op == "spawn" and len(fds) == FDS_PER_RUN:
        try:
            _hand_to_spare(children, request, fds, isolate=isolate)
            reply["rss_mb"] = _rss_mb()
        except OSError as exc:
            reply = {"ok": False, "error": str(exc)}
    elif op == "prime":
        _prime(children.spares, request)
    elif op == "unprime":
        _unprime(children.spares, request.get("slot"))
    elif op == "kill":
        children.kill(request.get("run", ""), hard=bool(request.get("hard")))
    elif op == "account":
        reply = children.account(request.get("run", ""))
    else:
        reply = {"ok": False, "error": f"bad request {op!r}"}
    for fd in fds:
        os.close(fd)
    _reply(sock, reply)
    return True


def serve(sock: socket.socket, *, isolate: bool, spare_count: int) -> None:
    """Answer the parent's messages, and report each run's end as soon as it ends."""
    children = Children()
    gc.freeze()  # keep the collector from touching (and copying) the zygote's pages in children
    for _ in range(spare_count):
        children.add_spare(isolate=isolate)
    children.poller.register(sock, select.POLLIN)
    _reply(sock, {"ready": True, "rss_mb": _rss_mb(), "vm_mb": _vm_mb(), "pid": os.getpid()})
    refill = True
    while True:
        # Spares taken are forked again one at a time, between looks at what is ready: a run
        # that ends meanwhile is reported after one fork, not after all of them.
        short = refill and len(children.spares) < spare_count
        try:
            ready = children.poller.poll(0 if short else None)
        except InterruptedError:
            continue
        # runs that ended first: their reports are what a verdict waits for
        for fd, _ in sorted(ready, key=lambda event: event[0] == sock.fileno()):
            if fd != sock.fileno():
                children.reap(fd)
            elif not _handle(sock, children, isolate=isolate):
                return
            else:
                refill = True
        if short and not ready:
            try:
                children.add_spare(isolate=isolate)
            except OSError as exc:  # out of processes or namespaces: tried again at the next
                refill = False  # message; a spawn without a spare says why to the parent
                print(f"feynlab zygote: cannot fork a spare: {exc}", file=sys.stderr, flush=True)


def main() -> None:
    fd, isolate, spare_count = int(sys.argv[1]), sys.argv[2] == "1", int(sys.argv[3])
    profile = sys.argv[4] if len(sys.argv) > 4 else "keras"
    # Learner runs must not inherit a pending SIGCHLD disposition or our stdin.
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    warm_imports(profile)
    if isolate:
        seccomp.prepare()  # compiled once here; each run only loads it
    sock = socket.socket(fileno=fd)
    serve(sock, isolate=isolate, spare_count=spare_count)


if __name__ == "__main__":
    main()
