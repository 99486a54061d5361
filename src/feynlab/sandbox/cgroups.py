"""Per-run memory and process limits through cgroup v1 slots, where the machine lets us.

The trusted parent creates one cgroup per concurrent run ("slot") under its own cgroup, sets
the limits before each run, and lets the run's first process join it (``cgroup.procs`` is
handed to the sandbox user; the limit files stay root's). Without cgroups the children fall
back to RLIMIT_AS and RLIMIT_NPROC.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")
RESIDUAL_MB = 16  # what a slot may keep charged between runs (kernel bookkeeping)
OWNED = re.compile(r"^feynlab-(\d+)-[0-9a-f]{8}$")

log = logging.getLogger(__name__)


def _own_path(controller: str) -> str:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(","):
                return path.lstrip("/")
    except OSError:
        pass
    return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(parent: Path) -> list[Path]:
    """Remove the empty ``feynlab-<pid>-*`` cgroups under ``parent`` whose owner is dead.

    A process killed with SIGKILL never runs ``close()``; its slots stay behind, empty. A cgroup
    whose owner still lives (or that still holds a process: rmdir refuses) is left alone."""
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for base in entries:
        match = OWNED.match(base.name)
        if match is None or not base.is_dir() or _alive(int(match.group(1))):
            continue
        try:
            for slot in base.glob("slot-*"):
                slot.rmdir()
            base.rmdir()
        except OSError as exc:
            log.info("left %s in place: %s", base, exc)
            continue
        removed.append(base)
    return removed


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


@dataclass
class SlotUsage:
    max_memory_mb: float | None
    oom_killed: bool


class CgroupSlots:
    """``count`` cgroups per controller, owned by this process, removed by ``close()``."""

    def __init__(self, count: int, *, owner_uid: int, owner_gid: int) -> None:
        self.count = count
        self.dirs: dict[str, Path] = {}
        self._owner = (owner_uid, owner_gid)
        name = f"feynlab-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        for controller in CONTROLLERS:
            parent = ROOT / controller / _own_path(controller)
            remove_stale(parent)
            base = parent / name
            try:
                base.mkdir()
                for i in range(count):
                    self._make_slot(base / f"slot-{i}")
                if controller == "memory":
                    _write(base / "slot-0" / "memory.limit_in_bytes", str(1 << 40))
                self.dirs[controller] = base
            except OSError:
                self._remove(base)
        self._oom_base: dict[int, int] = {}

    def _make_slot(self, slot: Path) -> None:
        slot.mkdir()
        for entry in ("cgroup.procs", "tasks"):
            os.chown(slot / entry, self._owner[0], self._owner[1])

    @property
    def has_memory(self) -> bool:
        return "memory" in self.dirs

    @property
    def has_pids(self) -> bool:
        return "pids" in self.dirs

    def slot_dir(self, controller: str, slot: int) -> Path:
        return self.dirs[controller] / f"slot-{slot}"

    def prepare(self, slot: int, *, memory_mb: int, pids: int) -> None:
        """Set the slot's limits for the next run and reset its peak counters."""
        if self.has_memory:
            d = self.slot_dir("memory", slot)
            limit = str(memory_mb * 1024 * 1024)
            # memory+swap must stay >= memory: raise it first, lower it last
            with contextlib.suppress(OSError):
                _write(d / "memory.memsw.limit_in_bytes", limit)
            _write(d / "memory.limit_in_bytes", limit)
            with contextlib.suppress(OSError):
                _write(d / "memory.memsw.limit_in_bytes", limit)
            _write(d / "memory.max_usage_in_bytes", "0")
            self._oom_base[slot] = self._oom_kills(d)
        if self.has_pids:
            _write(self.slot_dir("pids", slot) / "pids.max", str(pids))

    def usage(self, slot: int) -> SlotUsage:
        if not self.has_memory:
            return SlotUsage(None, False)
        d = self.slot_dir("memory", slot)
        peak = int((d / "memory.max_usage_in_bytes").read_text()) / 2**20
        return SlotUsage(peak, self._oom_kills(d) > self._oom_base.get(slot, 0))

    def wait_empty(self, slot: int, timeout_s: float = 5.0) -> bool:
        """Wait until the run's processes have left the slot (they are being killed)."""
        deadline = time.monotonic() + timeout_s
        while True:
            busy = any(
                (self.slot_dir(c, slot) / "cgroup.procs").read_text().strip() for c in self.dirs
            )
            if not busy:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)

    def empty(self, slot: int) -> bool:
        """Wait for the slot to empty; kill what is still in it after a while (never reuse a
        slot that holds a process). False only if even SIGKILL did not empty it in time."""
        if self.wait_empty(slot):
            return True
        for c in self.dirs:
            for pid in (self.slot_dir(c, slot) / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    os.kill(int(pid), signal.SIGKILL)
        log.error("cgroup slot %d still held processes after its run; they were killed", slot)
        return self.wait_empty(slot)

    def charged_mb(self, slot: int) -> float:
        """Memory still charged to the slot (0 without the memory controller)."""
        if not self.has_memory:
            return 0.0
        return int((self.slot_dir("memory", slot) / "memory.usage_in_bytes").read_text()) / 2**20

    def reclaim(self, slot: int, *, timeout_s: float = 2.0) -> bool:
        """After a run left the slot: wait for what its namespaces held (tmpfs pages) to be
        freed and reclaim the rest (page cache), so that the next run gets its whole limit.
        False when more than ``RESIDUAL_MB`` is still charged: the slot must not be reused."""
        deadline = time.monotonic() + timeout_s
        while self.charged_mb(slot) > RESIDUAL_MB:
            if time.monotonic() > deadline:
                return False
            with contextlib.suppress(OSError):
                _write(self.slot_dir("memory", slot) / "memory.force_empty", "0")
            time.sleep(0.01)
        return True

    def renew(self, slot: int) -> bool:
        """Replace the slot's (empty) cgroups with fresh ones: what the old ones still had
        charged stays with them, outside every run's limit. False if one could not be."""
        for base in self.dirs.values():
            d = base / f"slot-{slot}"
            try:
                d.rmdir()
                self._make_slot(d)
            except OSError as exc:
                log.error("could not renew cgroup slot %s: %s", d, exc)
                return False
        return True

    @staticmethod
    def _oom_kills(d: Path) -> int:
        for line in (d / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return int((d / "memory.failcnt").read_text())

    def close(self) -> None:
        for base in self.dirs.values():
            self._remove(base)
        self.dirs = {}

    def _remove(self, base: Path) -> None:
        for i in range(self.count):
            with contextlib.suppress(OSError):
                (base / f"slot-{i}").rmdir()
        with contextlib.suppress(OSError):
            base.rmdir()
