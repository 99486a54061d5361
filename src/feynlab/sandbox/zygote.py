"""The warm zygote: imports the ML stack once, then forks one child per run on request.

Runs inside bubblewrap as the unprivileged sandbox user (see ``zygote_process``). It holds no
secret, starts no thread pool and runs no tensor operation. It talks to the trusted parent over
a SOCK_SEQPACKET socket: ``spawn`` (with the run's descriptors attached), ``kill``, ``stats``.

Usage: ``python -m feynlab.sandbox.zygote FD ISOLATE SPARES``
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


def warm_imports() -> None:
    """Import what learner code uses, without running anything that starts threads."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    from matplotlib import font_manager

    font_manager.findfont("DejaVu Sans")  # builds the font cache once, here
    import keras  # noqa: F401
    import keras.layers  # noqa: F401

    from feynlab.datasets import keras_offline

    keras_offline.install()  # keras.datasets.*.load_data() offline, without the test set
    import numpy  # noqa: F401
    import scipy  # noqa: F401
    import sklearn  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.metrics  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import sklearn.neighbors  # noqa: F401
    import torch  # noqa: F401

    from feynlab.sandbox import harness  # noqa: F401 -- imports its own Keras callback


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _vm_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reap(children: dict[str, int], spares: list[tuple[int, socket.socket]]) -> None:
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
            if spare[0] == pid:
                spare[1].close()
                spares.remove(spare)


def _reply(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.send(json.dumps(message).encode())


def _hand_to_spare(
    spares: list[tuple[int, socket.socket]],
    request: dict[str, Any],
    fds: array.array,
    *,
    isolate: bool,
) -> int:
    """Give the run's request and descriptors to a waiting spare; returns its monitor pid."""
    from feynlab.sandbox.child import make_spare

    for _ in range(3):
        pid, spare = spares.pop(0) if spares else make_spare(isolate=isolate)
        try:
            spare.sendmsg(
                [json.dumps(request).encode()],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)],
            )
            return pid
        except OSError:
            continue  # that spare died; try another
        finally:
            spare.close()
    raise OSError("no spare would take the run")


def serve(sock: socket.socket, *, isolate: bool, spare_count: int) -> None:
    from feynlab.sandbox.child import make_spare

    children: dict[str, int] = {}
    spares: list[tuple[int, socket.socket]] = []
    gc.freeze()  # keep the collector from touching (and copying) the zygote's pages in children
    spares.extend(make_spare(isolate=isolate) for _ in range(spare_count))
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
                spares.append(make_spare(isolate=isolate))
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
    # Learner runs must not inherit a pending SIGCHLD disposition or our stdin.
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    warm_imports()
    if isolate:
        seccomp.prepare()  # compiled once here; each run only loads it
    sock = socket.socket(fileno=fd)
    serve(sock, isolate=isolate, spare_count=spare_count)


if __name__ == "__main__":
    main()
