"""What a zygote child does to become one sandboxed run.

One process per run, the *learner*: the zygote clones it straight into fresh user, mount, PID,
IPC, UTS and network namespaces (``namespaces.fork_into``), so it is PID 1 of its PID namespace
and when it exits the kernel kills everything it started. The zygote waits for it and writes
its exit status and resource use to the run's status pipe. The learner joins its cgroup slot,
mounts its private tmpfs directories and a fresh /proc, hides the zygote's private mounts, sets
its rlimits, enters one more user namespace as a non-root user without capabilities, and then
runs the harness.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import resource
import signal
import socket
import traceback
from typing import Any, NoReturn

from feynlab.sandbox import namespaces as ns

WORK_DIR = "/home/learner"
PRIVATE_DIR = "/run/feynlab"  # the zygote's cgroup slots; hidden from learner code
LEARNER_UID = 1000
DATA_DIR = "/data"  # the public data folder, read-only
MAX_REQUEST = 64 * 1024
MAX_FD = 1 << 16
STACK_BYTES = 64 * 1024 * 1024  # deep recursion ends in a crash, not in swallowed memory
DEVPTS_OPTS = "newinstance,ptmxmode=0666,mode=0620"
SHM_MB = 64  # the run's own /dev/shm (multiprocessing's semaphores, small shared buffers)
ENV = {
    "HOME": WORK_DIR,
    "TMPDIR": "/tmp",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "KERAS_BACKEND": "torch",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/.matplotlib",
    "PYTHONDONTWRITEBYTECODE": "1",
    "LANG": "C.UTF-8",
}


def make_spare(*, isolate: bool) -> tuple[int, socket.socket]:
    """Fork a run ahead of time, up to the point where it waits for its request.

    Returns the run's pid and the socket to send it the request (with its descriptors).
    Forking costs most of a run's start (the zygote is large), so it is done before it is asked.
    """
    zygote_end, spare_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    uid, gid = os.getuid(), os.getgid()
    pid = ns.fork_into(ns.RUN_NAMESPACES if isolate else 0)
    if pid == 0:
        try:
            # Only its own socket: not the zygote's (its other children's sockets, pidfds and
            # status pipes, whose ends must be seen closing), nor its parent's socket.
            keep = spare_end.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, MAX_FD)
            _spare(spare_end, isolate=isolate, outside=(uid, gid))
        finally:
            os._exit(70)
    spare_end.close()
    return pid, zygote_end


def _receive(sock: socket.socket, nfds: int) -> tuple[dict[str, Any], list[int]]:
    fds = array.array("i")
    msg, ancdata, _, _ = sock.recvmsg(MAX_REQUEST, socket.CMSG_SPACE(nfds * fds.itemsize))
    if not msg:
        os._exit(0)  # the zygote is gone
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return json.loads(msg), list(fds)


def _spare(sock: socket.socket, *, isolate: bool, outside: tuple[int, int]) -> NoReturn:
    """A run waiting for its request: ``prime`` (join a free cgroup slot now, before its run
    asks for it), then the request. It exits when the zygote closes its socket unasked."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ns.prctl(ns.PR_SET_PDEATHSIG, signal.SIGKILL)
    if isolate:
        ns.map_ids(0, *outside)
    request, fds = _receive(sock, 3)
    joined: list[str] = []
    if "prime" in request:
        joined = _join_cgroups(request["prime"], [])
        request, fds = _receive(sock, 3)
    sock.close()
    try:
        _learner(request, *fds, isolate=isolate, joined=joined)
    except BaseException:  # setup (or the harness) failed: say so on stderr
        with contextlib.suppress(OSError):
            os.write(2, f"feynlab sandbox failure: {traceback.format_exc()}\n".encode())
    os._exit(71)


def _set_limits(limits: dict[str, Any], request: dict[str, Any]) -> None:
    cpu = max(1, int(limits["cpu_s"] + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    fsize = limits["file_size_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_STACK, (STACK_BYTES, STACK_BYTES))
    if not request.get("cgroup_memory"):
        # The zygote's address space is already mapped; the limit is what the run may add.
        vm = int((request["zygote_vm_mb"] + limits["memory_mb"]) * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (vm, vm))
    if not request.get("cgroup_pids"):
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["pids"],) * 2)


def _isolate_filesystem(limits: dict[str, Any]) -> None:
    ns.mount("none", "/", None, ns.MS_REC | ns.MS_PRIVATE)
    tmpfs_opts = f"size={limits['tmpfs_mb']}m,mode=0755"
    flags = ns.MS_NOSUID | ns.MS_NODEV
    ns.mount("tmpfs", WORK_DIR, "tmpfs", flags, tmpfs_opts)
    ns.mount("tmpfs", "/tmp", "tmpfs", flags, tmpfs_opts)
    ns.mount("proc", "/proc", "proc", flags | ns.MS_NOEXEC)
    ns.mount("tmpfs", PRIVATE_DIR, "tmpfs", flags | ns.MS_NOEXEC | ns.MS_RDONLY, "size=4k")
    # bwrap's /dev (and its shm and pts) belongs to the zygote, shared by every run: each run
    # gets its own, gone with the run's mount namespace, and the rest of /dev is read-only.
    ns.mount("tmpfs", "/dev/shm", "tmpfs", flags | ns.MS_NOEXEC, f"size={SHM_MB}m,mode=1777")
    ns.mount("devpts", "/dev/pts", "devpts", ns.MS_NOSUID | ns.MS_NOEXEC, DEVPTS_OPTS)
    ns.remount_read_only("/dev")


def _join_cgroups(paths: list[str], joined: list[str]) -> list[str]:
    """Move this process into the cgroups whose ``cgroup.procs`` files are ``paths`` (those it
    is not in already)."""
    for procs in paths:
        if procs not in joined:
            with open(procs, "w") as f:
                f.write("0")
    return list(paths)


def _learner(
    request: dict[str, Any],
    stdout_fd: int,
    stderr_fd: int,
    channel_fd: int,
    *,
    isolate: bool,
    joined: list[str],
) -> None:
    _join_cgroups(request.get("cgroups", []), joined)
    limits = request["limits"]
    work = WORK_DIR
    if isolate:
        _isolate_filesystem(limits)
    else:
        work = request["work_dir"]
    _set_limits(limits, request)
    if isolate:
        ns.unshare(ns.CLONE_NEWUSER)
        ns.map_ids(LEARNER_UID, 0, 0)
        ns.drop_capabilities()
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(stdout_fd, 1)
    os.dup2(stderr_fd, 2)
    os.dup2(channel_fd, 3)
    os.closerange(4, MAX_FD)
    os.chdir(work)
    os.environ.clear()
    os.environ.update(ENV, HOME=work, TMPDIR=work if not isolate else "/tmp")
    from feynlab.sandbox import harness

    if isolate:
        from feynlab.sandbox import seccomp

        seccomp.install()  # the last step before learner code: setup itself needs mount/unshare

    harness.main(
        channel_fd=3,
        seed=int(request["seed"]),
        threads=int(request["threads"]),
        work_dir=work,
        data_dir=DATA_DIR if isolate else str(request["data_dir"]),
    )
