"""What a forked zygote child does to become one sandboxed run.

Two processes per run. The *monitor* (still the zygote's user, trusted code) joins the run's
cgroup slot, unshares fresh user, mount, PID, IPC, UTS and network namespaces and forks the
*learner*, PID 1 of the new PID namespace: when it exits, the kernel kills everything the
learner started. The monitor waits for it and writes the exit status and resource use to the
status pipe. The learner mounts its private tmpfs directories and a fresh /proc, hides the
zygote's private mounts, sets its rlimits, enters one more user namespace as a non-root user
without capabilities, and then runs the harness.
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

    Returns the monitor's pid and the socket to send it the request (with its descriptors).
    Forking costs most of a run's start (the zygote is large), so it is done before it is asked.
    """
    zygote_end, spare_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            zygote_end.close()
            _monitor(spare_end, isolate=isolate)
        finally:
            os._exit(70)
    spare_end.close()
    return pid, zygote_end


def _receive(sock: socket.socket, nfds: int) -> tuple[dict[str, Any], list[int]]:
    fds = array.array("i")
    msg, ancdata, _, _ = sock.recvmsg(MAX_REQUEST, socket.CMSG_SPACE(nfds * fds.itemsize))
    if not msg:
        os._exit(0)  # the zygote is gone or retired this spare
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return json.loads(msg), list(fds)


def _monitor(sock: socket.socket, *, isolate: bool) -> NoReturn:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ns.prctl(ns.PR_SET_PDEATHSIG, signal.SIGKILL)
    uid, gid = os.getuid(), os.getgid()
    if isolate:
        ns.unshare(ns.RUN_NAMESPACES)
        ns.map_ids(0, uid, gid)
    monitor_end, learner_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        sock.close()
        monitor_end.close()
        ns.prctl(ns.PR_SET_PDEATHSIG, signal.SIGKILL)
        request, fds = _receive(learner_end, 3)
        joined: list[str] = []
        if "prime" in request:  # join a free cgroup slot now, before its run asks for it
            joined = _join_cgroups(request["prime"], [])
            request, fds = _receive(learner_end, 3)
        learner_end.close()
        try:
            _learner(request, *fds, isolate=isolate, joined=joined)
        except BaseException:  # setup (or the harness) failed: say so on stderr
            with contextlib.suppress(OSError):
                os.write(2, f"feynlab sandbox failure: {traceback.format_exc()}\n".encode())
        os._exit(71)
    learner_end.close()
    # The zygote asks for a stop with SIGTERM: end the run but still report what it used.
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    request, fds = _receive(sock, 4)
    if "prime" in request:
        monitor_end.send(json.dumps(request).encode())
        request, fds = _receive(sock, 4)
    if "retire" in request:  # a spare that joined a slot another zygote's run now uses
        os._exit(0)
    stdout_fd, stderr_fd, channel_fd, status_fd = fds
    monitor_end.sendmsg(
        [json.dumps(request).encode()],
        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds[:3]))],
    )
    for fd in (stdout_fd, stderr_fd, channel_fd):
        os.close(fd)
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    report = {
        "exit_code": os.waitstatus_to_exitcode(status),
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }
    os.write(status_fd, json.dumps(report).encode())
    # The learner (PID 1 of the run) is gone, and with it every process of the run. Close now:
    # the parent need not wait while this process and the run's namespaces are torn down.
    os.close(status_fd)
    os._exit(0)


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
    os.closerange(4, 1 << 16)
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
