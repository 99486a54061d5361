"""The system calls learner code may not make: a seccomp filter built with libseccomp.

The filter is compiled once in the zygote (``prepare``) and loaded by each learner process
(``install``) after its namespaces and mounts are set up and before the harness runs its code;
it is inherited by every process and thread the learner starts. Denied calls fail with EPERM,
never a kill, so Python and the ML stack see an ordinary error. ``clone3`` fails with ENOSYS
instead: its flags sit in memory a filter cannot read, and glibc then falls back to ``clone``,
whose flags the filter checks (threads and ``fork`` pass, new namespaces do not). Calls of
another ABI (x32, 32-bit ``int 0x80``) kill the process: libseccomp's default for a foreign arch.
"""

from __future__ import annotations

import errno
from typing import Any

# Denied outright (EPERM). Escapes, kernel attack surface, other processes' memory, keyrings.
DENIED = (
    # io_uring: a second syscall interface that seccomp cannot see into
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    # new namespaces and joining others (clone is checked by flag below)
    "unshare",
    "setns",
    # the mount family
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    # kernel attack surface with a long record of privilege escalations
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    # other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    # classic escapes and host administration
    "open_by_handle_at",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "syslog",
    "vhangup",
    "iopl",
    "ioperm",
    "uselib",
    "fanotify_init",
    "settimeofday",
    "clock_settime",
)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_FLAGS = (
    CLONE_NEWNS,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
)
# ioctls that push input into a terminal (a learner's keystrokes into the operator's shell)
TIOCSTI = 0x5412
TIOCLINUX = 0x541C

_prepared: Any = None


def probe() -> str | None:
    """Why the filter cannot be built on this machine, or None when it can."""
    try:
        build()
    except (ImportError, RuntimeError, OSError) as exc:
        return (
            f"the seccomp filter cannot be built ({exc}); install the Debian package "
            "`libseccomp2` and the Python package `pyseccomp`."
        )
    return None


def build() -> Any:
    """The filter (a ``pyseccomp.SyscallFilter``), not yet loaded."""
    import pyseccomp as sc

    eperm = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in DENIED:
        if sc.resolve_syscall(sc.Arch.NATIVE, name) < 0:
            continue  # not a system call on this architecture
        f.add_rule(eperm, name)
    for flag in NAMESPACE_FLAGS:
        f.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for request in (TIOCSTI, TIOCLINUX):
        f.add_rule(eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    return f


def prepare() -> None:
    """Compile the filter now (in the zygote), so that each run only loads it."""
    global _prepared
    _prepared = build()


def install() -> None:
    """Load the filter into this process (and all it will start); sets no_new_privs."""
    (_prepared if _prepared is not None else build()).load()
