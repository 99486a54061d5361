# The kernel interfaces a run has no business with: each result is printed as NAME=ERRNO-NAME.
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {  # x86_64
    "io_uring_setup": 425,
    "clone": 56,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "keyctl": 250,
    "add_key": 248,
    "ptrace": 101,
    "mount": 165,
    "setns": 308,
    "unshare": 272,
}
CLONE_NEWUSER, CLONE_NEWNS, SIGCHLD = 0x10000000, 0x00020000, 17


def outcome(result: int) -> str:
    if result >= 0:
        return "ok"
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def call(name: str, *args: object) -> None:
    print(f"{name}={outcome(libc.syscall(NR[name], *args))}", flush=True)


params = ctypes.create_string_buffer(120)
call("io_uring_setup", 8, params)
call("unshare", CLONE_NEWUSER | CLONE_NEWNS)
# clone(CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD): a child in new namespaces exits at once
result = libc.syscall(NR["clone"], CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0)
if result == 0:
    os._exit(0)
print(f"clone_newuser={outcome(result)}", flush=True)
if result > 0:
    os.waitpid(result, 0)
attr = (ctypes.c_uint32 * 32)()
attr[0], attr[1] = 1, 128  # PERF_TYPE_SOFTWARE, size
attr[10] = 1 << 5 | 1 << 6  # exclude_kernel, exclude_hv (bit flags word)
call("perf_event_open", attr, 0, -1, -1, 0)
call("bpf", 0, ctypes.create_string_buffer(128), 128)  # BPF_MAP_CREATE
call("userfaultfd", 1)  # UFFD_USER_MODE_ONLY: allowed to anyone without the filter
call("keyctl", 0, -3, 0)  # KEYCTL_GET_KEYRING_ID of the session keyring
call("add_key", b"user", b"feynlab", b"x", 1, -4)
call("ptrace", 0, 0, 0, 0)  # PTRACE_TRACEME
call("mount", b"none", b"/tmp", b"tmpfs", 0, None)
fd = os.open("/proc/self/ns/uts", os.O_RDONLY)
call("setns", fd, 0)
# what must keep working: threads and fork

import threading  # noqa: E402

box = []
t = threading.Thread(target=lambda: box.append("thread"))
t.start()
t.join()
pid = os.fork()
if pid == 0:
    os._exit(7)
print("still working:", box, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
