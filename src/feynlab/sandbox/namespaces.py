"""The Linux system calls the sandbox makes directly (Python 3.11 has no ``os.unshare`` and no
``clone``).

The zygote clones each run into fresh user, mount, PID, IPC, UTS and network namespaces
(``fork_into``); the run mounts its private directories, then gives up every capability.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import subprocess

CLONE_NEWNS = 0x00020000
CLONE_CHILD_SETTID = 0x01000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
RUN_NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
RUN_NAMESPACES |= CLONE_NEWNET

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_LIBC_NAME = ctypes.util.find_library("c") or "libc.so.6"
_libc = ctypes.CDLL(_LIBC_NAME, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.pthread_self.restype = ctypes.c_void_p
# Through PyDLL the GIL stays held across the call, as ``os.fork`` holds it across fork().
_clone_libc = ctypes.PyDLL(_LIBC_NAME, use_errno=True)
_clone_libc.syscall.restype = ctypes.c_long
_SYS_CLONE3 = 435  # the same number on every architecture (Linux 5.3)
# clone(2)'s number and where it takes the child's TID pointer: 4th on x86-64, 5th on arm64
_SYS_CLONE = {"x86_64": (56, 3), "aarch64": (220, 4)}


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


class _CloneArgs(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in (
            "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size",
            "tls", "set_tid", "set_tid_size", "cgroup",
        )
    ]  # fmt: skip


def _tid_address() -> int:
    """Where glibc keeps this thread's TID: the descriptor it publishes for libthread_db."""
    bits, _, offset = (ctypes.c_uint32 * 3).in_dll(_libc, "_thread_db_pthread_tid")
    if bits != 32:
        raise OSError(f"glibc's thread descriptor holds a {bits}-bit TID")
    return int(_libc.pthread_self()) + offset


def _clone(flags: int, tid_address: int, *, clone3: bool) -> tuple[int, int]:
    """One clone system call that returns in the child like fork (no new stack); returns the
    result and errno. The kernel writes the child's TID where glibc keeps it (as glibc's
    ``fork`` does), so glibc calls that use it (``pthread_getcpuclockid``) name the child."""
    flags |= CLONE_CHILD_SETTID
    if clone3:
        args = _CloneArgs(flags=flags, child_tid=tid_address, exit_signal=signal.SIGCHLD)
        result = _clone_libc.syscall(
            ctypes.c_long(_SYS_CLONE3), ctypes.byref(args), ctypes.c_size_t(ctypes.sizeof(args))
        )
    else:
        number, tid_at = _SYS_CLONE[os.uname().machine]
        call = [ctypes.c_ulong(flags | signal.SIGCHLD)] + [ctypes.c_ulong(0)] * 4
        call[tid_at] = ctypes.c_ulong(tid_address)
        result = _clone_libc.syscall(ctypes.c_long(number), *call)
    return int(result), ctypes.get_errno() if result < 0 else 0


_use_clone3 = True


def fork_into(namespaces: int) -> int:
    """``os.fork`` whose child starts in new ``namespaces`` (CLONE_NEW* flags): the child, not
    a second process, is PID 1 of a new PID namespace, and the PID namespace belongs to the new
    user namespace (so the child may mount a /proc of its own).

    Python's own fork bookkeeping runs around it (``PyOS_BeforeFork`` and the after-fork
    hooks, ``os.register_at_fork`` included), as ``os.fork`` runs it. What glibc's ``fork``
    does besides is left out: its ``pthread_atfork`` handlers and resetting its locks, which
    matter only when another thread runs at the time; the zygote has one thread.
    """
    global _use_clone3
    if not namespaces:
        return os.fork()
    tid_address = _tid_address()
    ctypes.pythonapi.PyOS_BeforeFork()
    pid, err = _clone(namespaces, tid_address, clone3=_use_clone3)
    if pid == -1 and err == errno.ENOSYS and _use_clone3:  # a kernel or filter without clone3
        _use_clone3 = False
        pid, err = _clone(namespaces, tid_address, clone3=False)
    if pid == 0:
        ctypes.pythonapi.PyOS_AfterFork_Child()
        return 0
    ctypes.pythonapi.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(err, f"clone: {os.strerror(err)}")
    return pid


def mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def remount_read_only(target: str) -> None:
    """Make one mount read-only, keeping the flags a less privileged namespace may not drop."""
    kept = os.statvfs(target).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount("none", target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), "prctl")


def map_ids(inside: int, outside_uid: int, outside_gid: int) -> None:
    """Map one uid/gid of the namespace just unshared to ours outside it."""
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{inside} {outside_uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{inside} {outside_gid} 1")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Clear every capability set of this thread (the process is single-threaded here)."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def probe() -> str | None:
    """Why this machine cannot sandbox learner code, or None when it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (`bwrap`) is not installed; install the Debian package `bubblewrap`."
    try:
        subprocess.run(
            ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--", "/bin/true"],
            check=True,
            capture_output=True,
            timeout=10,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return (
            "this machine cannot create the Linux namespaces the sandbox needs "
            f"(bwrap failed: {detail.decode(errors='replace').strip() or exc}). "
            "Enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
            "user.max_user_namespaces > 0) or give the container the needed rights."
        )
    from feynlab.sandbox import seccomp

    return seccomp.probe()
