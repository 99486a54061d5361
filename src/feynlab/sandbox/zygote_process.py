"""The parent's handle on one zygote: starts it inside bubblewrap and asks it for runs.

The zygote runs under ``bwrap --unshare-all`` as an unprivileged host user: when Feynlab runs as
root, a private mount namespace first stages every read-only source (the interpreter may live
under a root-only home) and ``setpriv`` drops to ``settings.sandbox_uid`` before ``bwrap``.
Its root is read-only and holds only an allow-list: the system's shared libraries, locale and
time zones (never the rest of /usr: Debian keeps datasets, published test labels included,
under /usr/share), the Python installation, the virtualenv, Feynlab's own package, the public
data folder at /data, and the cgroup slots under /run/feynlab (hidden again from each run).
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feynlab
from feynlab.sandbox.child import DATA_DIR, PRIVATE_DIR, WORK_DIR

STAGE_DIR = "/run/feynlab-stage"
ZYGOTE_UID = 1000
START_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 30.0
STAGE_SCRIPT = r"""
set -e
mount -t tmpfs -o size=64k,mode=0755 feynlab-stage "$STAGE"
i=0
while [ "$1" != "--" ]; do
  if [ -d "$1" ]; then mkdir "$STAGE/$i"; else touch "$STAGE/$i"; fi
  mount --bind "$1" "$STAGE/$i"
  i=$((i+1)); shift
done
shift
exec setpriv --reuid="$SANDBOX_UID" --regid="$SANDBOX_UID" --clear-groups "$@"
"""


class ZygoteError(Exception):
    """The zygote could not be started or stopped answering (an infrastructure fault)."""


@dataclass(frozen=True)
class Bind:
    source: str
    dest: str
    writable: bool = False


# Paths the sandbox mounts something else on: a Python install found under one of them (a
# checkout in /tmp, say) is mounted at RELOCATED instead of at its own path.
SHADOWED = ("/tmp", "/home", "/run", "/proc", "/dev", "/sys", DATA_DIR, "/opt/feynlab")
RELOCATED = "/opt/feynlab"


def _shadowed(path: str) -> bool:
    return any(path == top or path.startswith(top + "/") for top in SHADOWED)


def system_binds() -> list[Bind]:
    """The parts of /usr that Python and the ML stack load at run time."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu"
    paths = [
        f"/usr/lib/{multiarch}",  # shared libraries (Debian's layout)
        "/usr/lib64",  # the dynamic loader; every library on Red Hat's layout
        "/usr/lib/locale",
        "/usr/share/zoneinfo",
        "/usr/sbin/ldconfig",  # ctypes.util.find_library asks it
    ]
    return [Bind(p, p) for p in paths if os.path.exists(p) and not os.path.islink(p)]


def _python_under_usr(prefix: str) -> list[Bind]:
    """A Python installed under /usr (Debian's, or /usr/local): its own files, not the tree."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = [
        f"{prefix}/lib/{version}",
        f"{prefix}/lib/python3/dist-packages",
        f"/usr/local/lib/{version}/dist-packages",  # where Debian's pip installs
        os.path.realpath(getattr(sys, "_base_executable", sys.executable)),
        *(
            str(p)
            for p in Path(sysconfig.get_config_var("LIBDIR") or "/nonexistent").glob(
                f"lib{version}*.so*"
            )
        ),
    ]
    return [Bind(p, p) for p in dict.fromkeys(paths) if os.path.exists(p)]


def python_binds() -> list[Bind]:
    """What learner code needs to import the ML stack and Feynlab, read-only."""
    src = str(Path(feynlab.__file__).resolve().parents[1])
    named = {"base": sys.base_prefix, "venv": sys.prefix, "src": src}
    binds = system_binds()
    done: set[str] = set()
    for name, p in sorted(named.items(), key=lambda item: item[1]):
        nested = any(p.startswith(q + "/") for q in named.values())
        if p in done or nested or any(p.startswith(b.source + "/") for b in binds):
            continue
        done.add(p)
        if p == sys.base_prefix and (p == "/usr" or p.startswith("/usr/")):
            binds.extend(_python_under_usr(p))  # a venv-less install too (prefix == base)
            continue
        if _shadowed(p) and name == "base":
            raise ZygoteError(f"the Python installation {p} lies where the sandbox mounts others")
        binds.append(Bind(p, f"{RELOCATED}/{name}" if _shadowed(p) else p))
    for b in binds:
        if WORK_DIR.startswith(b.dest + "/") or b.dest.startswith(WORK_DIR + "/"):
            raise ZygoteError(f"{b.dest} overlaps the run directory {WORK_DIR}")
    for extra in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime"):
        if os.path.exists(extra):
            binds.append(Bind(extra, extra))
    return binds


def sandbox_view(data_dir: Path | None) -> list[Bind]:
    """Every host file and folder a run can read: the Python binds and the public data."""
    binds = python_binds()
    if data_dir is not None:
        binds.append(Bind(str(data_dir), DATA_DIR))
    return binds


def inside(binds: Sequence[Bind], path: str) -> str:
    """Where a host path appears inside the sandbox, given its binds."""
    for b in sorted(binds, key=lambda b: len(b.source), reverse=True):
        if path == b.source or path.startswith(b.source + "/"):
            return b.dest + path[len(b.source) :]
    return path


def bwrap_args(
    binds: Sequence[Bind], *, sources: Sequence[str], data: str | None, python: str
) -> list[str]:
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--uid", str(ZYGOTE_UID), "--gid", str(ZYGOTE_UID), "--hostname", "feynlab"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
    for bind, source in zip(binds, sources, strict=True):
        args += ["--bind" if bind.writable else "--ro-bind", source, bind.dest]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", WORK_DIR]
    args += ["--dir", PRIVATE_DIR, "--dir", DATA_DIR] if data is None else ["--dir", PRIVATE_DIR]
    args += ["--remount-ro", "/", "--chdir", "/"]
    env = {
        "HOME": "/tmp",
        "PATH": "/usr/bin:/bin",
        "KERAS_BACKEND": "torch",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "OPENBLAS_NUM_THREADS": "1",  # OpenBLAS would otherwise start its pool at import
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
    }
    src = str(Path(feynlab.__file__).resolve().parents[1])
    if inside(binds, src) != src:  # relocated: the editable install's finder points elsewhere
        env["PYTHONPATH"] = inside(binds, src)
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, inside(binds, python)]


class ZygoteProcess:
    """One running zygote; ``spawn`` and ``kill`` are safe to call from several threads."""

    def __init__(
        self,
        *,
        isolate: bool,
        data_dir: Path | None,
        cgroup_binds: Sequence[Bind] = (),
        sandbox_uid: int = 65534,
        spares: int = 1,
        profile: str = "keras",
    ) -> None:
        self.isolate = isolate
        self.profile = profile
        self.lock = threading.Lock()
        self.runs_started = 0
        self.in_flight = 0
        self.retired = False
        self.rss_mb = 0.0
        self.vm_mb = 0.0
        self._stderr_tail = b""
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = parent_sock
        fd = child_sock.fileno()
        zygote_cmd = [
            "-m", "feynlab.sandbox.zygote", str(fd), "1" if isolate else "0", str(spares), profile
        ]  # fmt: skip
        python = sys.executable
        if isolate:
            binds = [*sandbox_view(data_dir), *cgroup_binds]
            if os.geteuid() == 0:
                cmd = self._staged(binds, data_dir, python, sandbox_uid)
            else:
                src = [b.source for b in binds]
                cmd = bwrap_args(
                    binds, sources=src, data=str(data_dir) if data_dir else None, python=python
                )
            cmd += zygote_cmd
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        else:
            cmd = [python, *zygote_cmd]
            env = {
                "KERAS_BACKEND": "torch",
                "MPLBACKEND": "Agg",
                "OPENBLAS_NUM_THREADS": "1",
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": "/tmp",
            }
        self.process = subprocess.Popen(
            cmd,
            pass_fds=[fd],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        child_sock.close()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        ready = self._receive(START_TIMEOUT_S)
        if not ready.get("ready"):
            raise ZygoteError(f"zygote did not start: {ready}")
        self.rss_mb, self.vm_mb = float(ready["rss_mb"]), float(ready["vm_mb"])

    @staticmethod
    def _staged(binds: list[Bind], data_dir: Path | None, python: str, uid: int) -> list[str]:
        if shutil.which("setpriv") is None:
            raise ZygoteError("`setpriv` (util-linux) is needed to drop root before bwrap")
        os.makedirs(STAGE_DIR, exist_ok=True)
        staged = [f"{STAGE_DIR}/{i}" for i in range(len(binds))]
        inner = bwrap_args(
            binds, sources=staged, data=str(data_dir) if data_dir else None, python=python
        )
        return [
            "unshare", "--mount", "--propagation", "private", "--",
            "env", f"STAGE={STAGE_DIR}", f"SANDBOX_UID={uid}",
            "sh", "-c", STAGE_SCRIPT, "sh", *[b.source for b in binds], "--", *inner,
        ]  # fmt: skip

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr_tail = (self._stderr_tail + line)[-8192:]

    @property
    def stderr_tail(self) -> str:
        return self._stderr_tail.decode(errors="replace")

    def _receive(self, timeout_s: float) -> dict[str, Any]:
        self.sock.settimeout(timeout_s)
        try:
            data = self.sock.recv(65536)
        except OSError as exc:
            raise ZygoteError(f"zygote did not answer ({exc}): {self.stderr_tail}") from None
        if not data:
            self.process.poll()
            raise ZygoteError(
                f"zygote exited (status {self.process.returncode}): {self.stderr_tail[-2000:]}"
            )
        reply: dict[str, Any] = json.loads(data)
        return reply

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, request: dict[str, Any], fds: Sequence[int]) -> None:
        """Ask for a run; the descriptors are passed to it and may be closed afterwards."""
        with self.lock:
            try:
                self.sock.sendmsg(
                    [json.dumps({"op": "spawn", **request}).encode()],
                    [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))],
                )
            except OSError as exc:
                raise ZygoteError(f"zygote is gone ({exc})") from None
            reply = self._receive(REQUEST_TIMEOUT_S)
            if not reply.get("ok"):
                raise ZygoteError(f"zygote refused the run: {reply}")
            self.runs_started += 1
            self.rss_mb = float(reply.get("rss_mb", self.rss_mb))

    def slot_request(self, op: str, slot: int, cgroups: Sequence[str] = ()) -> None:
        """``prime``: have a spare join cgroup slot ``slot`` ahead of its next run (``cgroups``:
        the slot's ``cgroup.procs`` files as the zygote sees them); ``unprime``: retire the
        spares that joined it. A zygote that does not answer fails its next spawn instead."""
        message = {"op": op, "slot": slot, "cgroups": list(cgroups)}
        with self.lock, contextlib.suppress(OSError, ZygoteError):
            self.sock.send(json.dumps(message).encode())
            self._receive(REQUEST_TIMEOUT_S)

    def account(self, run: str) -> dict[str, Any] | None:
        """CPU seconds and peak memory of a run still alive (``cpu_s``, ``max_rss_mb``), or
        None when the zygote cannot say (the run has ended: its exit report has them)."""
        with self.lock:
            try:
                self.sock.send(json.dumps({"op": "account", "run": run}).encode())
                reply = self._receive(REQUEST_TIMEOUT_S)
            except (OSError, ZygoteError):
                return None
        return reply if reply.get("ok") else None

    def kill(self, run: str, *, hard: bool = False) -> None:
        """Stop a run (``hard``: and stop waiting for its resource report)."""
        with self.lock:
            try:
                self.sock.send(json.dumps({"op": "kill", "run": run, "hard": hard}).encode())
                self._receive(REQUEST_TIMEOUT_S)
            except (OSError, ZygoteError):
                self.close()  # a zygote that cannot kill is killed, with all its runs

    def close(self) -> None:
        if self.process.poll() is None:
            self.sock.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.sock.close()
