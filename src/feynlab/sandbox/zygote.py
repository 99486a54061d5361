"""The warm zygote: imports the ML stack once, then forks one child per run on request.

Runs inside bubblewrap as the unprivileged sandbox user (see ``zygote_process``). It holds no
secret, starts no thread pool and runs no tensor operation. It talks to the trusted parent over
a SOCK_SEQPACKET socket: ``spawn`` (with the run's descriptors attached), ``kill``, ``prime``
(a spare joins a free cgroup slot ahead of the slot's next run) and ``unprime``.

Usage: ``python -m feynlab.sandbox.zygote FD ISOLATE SPARES [PROFILE]``
"""

from __future__ import annotations

import array
import contextlib
import gc
import json
import os
import signal
import socket
import sys
from typing import Any

from feynlab.sandbox import seccomp

MAX_MESSAGE = 64 * 1024
FDS_PER_RUN = 4  # stdout, stderr, judge channel, status


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


class Spare:
    """A run forked ahead of its request: the monitor's pid, the socket to send it the request,
    and the cgroup slot it already joined (``prime``), if any."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock
        self.slot: int | None = None


def _reap(children: dict[str, int], spares: list[Spare]) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        for run, child in list(children.items()):
            if child == pid:
                del children[run]
        for spare in list(spares):
            if spare.pid == pid:
                spare.sock.close()
                spares.remove(spare)


def _reply(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.send(json.dumps(message).encode())


def _new_spare(*, isolate: bool) -> Spare:
    from feynlab.sandbox.child import make_spare

    return Spare(*make_spare(isolate=isolate))


def _pick(spares: list[Spare], slot: Any) -> Spare | None:
    """The spare for a run in ``slot``: one that already joined it, else one that joined none,
    else any (it moves to the run's slot)."""
    for wanted in (slot, None):
        for spare in spares:
            if spare.slot == wanted:
                return spare
    return spares[0] if spares else None


def _hand_to_spare(
    spares: list[Spare],
    request: dict[str, Any],
    fds: array.array,
    *,
    isolate: bool,
) -> int:
    """Give the run's request and descriptors to a waiting spare; returns its monitor pid."""
    for _ in range(3):
        spare = _pick(spares, request.get("slot"))
        if spare is not None:
            spares.remove(spare)
        else:
            spare = _new_spare(isolate=isolate)
        try:
            spare.sock.sendmsg(
                [json.dumps(request).encode()],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)],
            )
            return spare.pid
        except OSError:
            continue  # that spare died; try another
        finally:
            spare.sock.close()
    raise OSError("no spare would take the run")


def _prime(spares: list[Spare], request: dict[str, Any]) -> None:
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
                return  # it died: reaped later
            spare.slot = slot
            return


def _unprime(spares: list[Spare], slot: Any) -> None:
    """Retire the spares that joined ``slot``: a run of another zygote is about to use it."""
    for spare in [spare for spare in spares if spare.slot == slot]:
        spares.remove(spare)
        # said, not shown by closing: later spares hold copies of this socket, so it never
        # reads as closed; the monitor exits, and its learner (PR_SET_PDEATHSIG) with it
        with contextlib.suppress(OSError):
            spare.sock.send(json.dumps({"retire": True}).encode())
        spare.sock.close()


def serve(sock: socket.socket, *, isolate: bool, spare_count: int) -> None:
    children: dict[str, int] = {}
    spares: list[Spare] = []
    gc.freeze()  # keep the collector from touching (and copying) the zygote's pages in children
    spares.extend(_new_spare(isolate=isolate) for _ in range(spare_count))
    _reply(sock, {"ready": True, "rss_mb": _rss_mb(), "vm_mb": _vm_mb(), "pid": os.getpid()})
    while True:
        fds = array.array("i")
        try:
            msg, ancdata, _, _ = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(FDS_PER_RUN * 4))
        except InterruptedError:
            continue
        if not msg:
            return  # the parent went away or asked us to stop
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        _reap(children, spares)
        request = json.loads(msg)
        op = request.get("op")
        if op == "spawn" and len(fds) == FDS_PER_RUN:
            try:
                children[request["run"]] = _hand_to_spare(spares, request, fds, isolate=isolate)
                reply: dict[str, Any] = {"ok": True, "rss_mb": _rss_mb()}
            except OSError as exc:
                reply = {"ok": False, "error": str(exc)}
            for fd in fds:
                os.close(fd)
            _reply(sock, reply)
            while len(spares) < spare_count:
                spares.append(_new_spare(isolate=isolate))
        elif op in ("prime", "unprime"):
            for fd in fds:
                os.close(fd)
            if op == "prime":
                _prime(spares, request)
            else:
                _unprime(spares, request.get("slot"))
            _reply(sock, {"ok": True})
            while len(spares) < spare_count:
                spares.append(_new_spare(isolate=isolate))
        elif op == "kill":
            pid = children.get(request.get("run", ""))
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL if request.get("hard") else signal.SIGTERM)
            _reply(sock, {"ok": True})
        else:
            for fd in fds:
                os.close(fd)
            _reply(sock, {"ok": False, "error": f"bad request {op!r}"})


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
