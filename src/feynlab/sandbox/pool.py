"""The long-lived sandbox: warm zygotes, cgroup slots, and a limit on runs at once.

``Sandbox.run(...)`` hands out a ``LiveRun``; up to ``workers`` of them run at the same time
(one per core by default), each in its own cgroup slot, forked from the warm zygote of the
profile it asks for (numpy, sklearn or keras: what it preloads). A zygote is restarted when it
died and recycled after ``zygote_max_runs`` runs or when its memory passes
``zygote_max_rss_mb``: its successor starts in the background while it keeps serving, and a
retired zygote is stopped once its last run ended (stopping it kills its runs).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import queue
import random
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feynlab.sandbox import exposure
from feynlab.sandbox.cgroups import CgroupSlots
from feynlab.sandbox.child import PRIVATE_DIR
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.namespaces import probe
from feynlab.sandbox.run import EventSink, LiveRun
from feynlab.sandbox.zygote import PROFILES
from feynlab.sandbox.zygote_process import Bind, ZygoteProcess, sandbox_view
from feynlab.settings import Settings, get_settings

log = logging.getLogger(__name__)
DEFAULT_PROFILE = "keras"  # a run that does not say what it needs gets the whole ML stack


def _result(future: concurrent.futures.Future[ZygoteProcess]) -> ZygoteProcess | None:
    """The zygote a background start produced, or None (logged) when it failed."""
    try:
        return future.result()
    except Exception:
        log.exception("a zygote failed to start in the background")
        return None


@dataclass
class _Line:
    """The zygote of one profile, and its successor while one starts in the background."""

    profile: str
    starter: concurrent.futures.ThreadPoolExecutor
    lock: threading.Lock = field(default_factory=threading.Lock)
    zygote: ZygoteProcess | None = None
    successor: concurrent.futures.Future[ZygoteProcess] | None = None


class SandboxUnavailable(Exception):
    """This machine cannot isolate learner code, and the operator did not accept the risk."""


class Sandbox:
    def __init__(self, settings: Settings | None = None, *, workers: int | None = None) -> None:
        self.settings = settings or get_settings()
        self.workers = workers or self.settings.workers
        reason = probe()
        if reason is not None and not self.settings.unsafe_no_sandbox:
            raise SandboxUnavailable(
                f"Feynlab will not run learner code: {reason} To run it anyway WITHOUT "
                "isolation (only on a machine you do not care about), set "
                "FEYNLAB_UNSAFE_NO_SANDBOX=1."
            )
        self.isolate = reason is None
        if not self.isolate:
            log.warning("running learner code WITHOUT a sandbox (FEYNLAB_UNSAFE_NO_SANDBOX=1)")
        uid = self.settings.sandbox_uid if os.geteuid() == 0 else os.geteuid()
        gid = self.settings.sandbox_uid if os.geteuid() == 0 else os.getegid()
        # slots past the workers' are for live lesson sessions (sandbox/session.py): an idle
        # session holds its slot for minutes, and must never keep a grading waiting
        self.session_count = self.settings.cell_sessions_max
        self.cgroups = CgroupSlots(self.workers + self.session_count, owner_uid=uid, owner_gid=gid)
        self.slots: queue.Queue[int] = queue.Queue()
        for i in range(self.workers):
            self.slots.put(i)
        self.session_slots: queue.Queue[int] = queue.Queue()
        for i in range(self.workers, self.workers + self.session_count):
            self.session_slots.put(i)
        public = self.settings.data_dir / "public"
        self.data_dir: Path | None = public if public.is_dir() else None
        if self.isolate:
            view = [b.source for b in sandbox_view(self.data_dir)]
            problem = exposure.refusal(self.settings.data_dir / "hidden", view)
            if problem is not None:
                self.cgroups.close()
                raise SandboxUnavailable(problem)
        self._lock = threading.Lock()
        # one warm zygote (and its background successor) per profile, each started on a
        # long-lived thread of its own, so that a small zygote never waits behind a Keras one
        self._lines: dict[str, _Line] = {
            p: _Line(p, concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=f"zygote-{p}"))
            for p in PROFILES
        }
        self._primed: dict[int, ZygoteProcess] = {}  # slot -> the zygote whose spare joined it
        # ended runs' slots made ready for their next run, off the verdict's path (_tidy)
        self._tidier = concurrent.futures.ThreadPoolExecutor(
            self.workers, thread_name_prefix="slot-tidy"
        )
        self._tidying: set[concurrent.futures.Future[None]] = set()
        self._closed = False

    # -- zygotes -------------------------------------------------------------------------------
    def _cgroup_binds(self) -> list[Bind]:
        # the folder of all slots, not each slot: a renewed slot is a new cgroup in that folder
        return [
            Bind(str(base), f"{PRIVATE_DIR}/{c}", writable=True)
            for c, base in self.cgroups.dirs.items()
        ]

    def _start_zygote(self, profile: str) -> ZygoteProcess:
        return ZygoteProcess(
            isolate=self.isolate,
            data_dir=self.data_dir,
            cgroup_binds=self._cgroup_binds() if self.isolate else (),
            sandbox_uid=self.settings.sandbox_uid,
            spares=self.workers,
            profile=profile,
        )

    def _line(self, profile: str) -> _Line:
        try:
            return self._lines[profile]
        except KeyError:
            raise ValueError(f"unknown zygote profile {profile!r}") from None

    def zygote(self, profile: str = DEFAULT_PROFILE) -> ZygoteProcess:
        """The zygote of ``profile`` to fork the next run from.

        A dead (or missing) zygote is restarted here, and the caller waits for it. A worn one
        (``zygote_max_runs`` runs, or ``zygote_max_rss_mb``) keeps serving while its successor
        starts in the background; the successor takes over once it is ready.

        Zygotes are started on long-lived threads: bwrap's ``--die-with-parent`` fires when
        the *thread* that started it exits, so a short-lived thread would take its zygote along.
        """
        line = self._line(profile)
        with line.lock:
            z = line.zygote
            successor = line.successor
            if successor is not None and (successor.done() or z is None or not z.alive()):
                line.successor = None
                fresh = _result(successor)  # waits only when there is nothing else to serve
                if fresh is not None:
                    if z is not None:
                        self._retire(z)
                    line.zygote = z = fresh
            if z is None or not z.alive():
                if z is not None:
                    self._retire(z)
                line.zygote = None
                line.zygote = z = line.starter.submit(self._start_zygote, profile).result()
            elif self._worn(z) and line.successor is None and not self._closed:
                line.successor = line.starter.submit(self._start_zygote, profile)
            with self._lock:
                z.in_flight += 1
            return z

    def _worn(self, z: ZygoteProcess) -> bool:
        s = self.settings
        return z.runs_started >= s.zygote_max_runs or z.rss_mb >= s.zygote_max_rss_mb

    def _retire(self, z: ZygoteProcess) -> None:
        """Stop ``z`` once its last run ended (stopping it kills its runs)."""
        with self._lock:
            z.retired = True
            if z.in_flight == 0 or not z.alive():
                z.close()

    def _release(self, z: ZygoteProcess) -> None:
        with self._lock:
            z.in_flight -= 1
            if z.retired and z.in_flight == 0:
                z.close()

    def wait_recycled(self, timeout_s: float | None = None) -> None:
        """Wait until background zygote starts (if any) have finished (tests, shutdown)."""
        pending = [line.successor for line in self._lines.values() if line.successor is not None]
        if pending:
            concurrent.futures.wait(pending, timeout=timeout_s)

    def zygote_pid(self, profile: str = DEFAULT_PROFILE) -> int:
        """Host pid of the current zygote's launcher (its runs are all below it)."""
        return self.zygote_process(profile).process.pid

    def live_zygote_pids(self) -> dict[str, int]:
        """Host pids of the zygotes serving now, by profile (none are started here)."""
        return {
            p: line.zygote.process.pid
            for p, line in self._lines.items()
            if line.zygote is not None and line.zygote.alive()
        }

    def zygote_process(self, profile: str = DEFAULT_PROFILE) -> ZygoteProcess:
        z = self.zygote(profile)
        self._release(z)
        return z

    def warm(self, *profiles: str) -> None:
        """Start the zygotes of ``profiles`` (default: the full one) now rather than on the
        first run; several start at once, each on its own thread."""
        lines = [self._line(p) for p in profiles or (DEFAULT_PROFILE,)]
        if len(lines) == 1:
            self._release(self.zygote(lines[0].profile))
            return
        with concurrent.futures.ThreadPoolExecutor(len(lines)) as pool:
            for z in pool.map(lambda line: self.zygote(line.profile), lines):
                self._release(z)

    # -- runs ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def run(
        self,
        *,
        limits: RunLimits,
        on_event: EventSink | None,
        seed: int | None = None,
        threads: int = 1,
        profile: str = DEFAULT_PROFILE,
        session: bool = False,
    ) -> Iterator[LiveRun]:
        """A live run, with a free cgroup slot and a zygote of ``profile`` (what it preloads:
        zygote.PROFILES); waits while all slots are busy. ``session``: a lesson session's run,
        on a session slot, never waiting (queue.Empty when none is free)."""
        if self._closed:
            raise RuntimeError("the sandbox is closed")
        slots = self.session_slots if session else self.slots
        slot = slots.get(block=not session)
        z: ZygoteProcess | None = None
        handed_over = False
        try:
            seed = random.randrange(2**31) if seed is None else seed
            self.cgroups.prepare(slot, memory_mb=limits.memory_mb, pids=limits.pids + 1)
            z = self.zygote(profile)
            self._claim_slot(slot, z)
            request = self._request(slot, limits, seed, threads, z)
            live = LiveRun(zygote=z, limits=limits, on_event=on_event, request=request)
            live.outcome.extra["seed"] = seed
            live.outcome.extra["slot"] = slot
            live.memory_peak = lambda: self.cgroups.usage(slot).max_memory_mb
            try:
                yield live
            finally:
                tidy = (slot, z, request, slots)
                if live.concluded is not None and not session:
                    # the verdict has its outcome (LiveRun.conclude): the run's exit, like
                    # the slot's tidying, is waited for after it
                    self._in_background(self._finish_and_tidy, live, *tidy)
                else:
                    self._finish(live, slot)
                    # The run's outcome is whole: the slot is made ready for its next run
                    # after the verdict, not before it (a Keras run's page cache takes ~50 ms
                    # to reclaim). A session's slot is tidied now: its next session must find
                    # it free.
                    if session:
                        self._tidy(*tidy)
                    else:
                        self._in_background(self._tidy, *tidy)
                handed_over = True
        finally:
            if not handed_over:  # the run never started, or its end failed
                if z is not None:
                    self._release(z)
                slots.put(slot)

    def _finish(self, live: LiveRun, slot: int) -> None:
        """Wait for the run's end and complete its outcome."""
        live.finish()
        usage = self.cgroups.usage(slot)
        if usage.max_memory_mb is not None:
            # the cgroup counts what the run added, not the zygote pages it shares
            live.outcome.max_rss_mb = usage.max_memory_mb
        live.outcome.oom = live.outcome.oom or usage.oom_killed

    def _finish_and_tidy(
        self,
        live: LiveRun,
        slot: int,
        z: ZygoteProcess,
        request: dict[str, Any],
        slots: queue.Queue[int],
    ) -> None:
        try:
            self._finish(live, slot)
        except Exception:
            log.exception("a concluded run's end failed (slot %d)", slot)
        finally:
            self._tidy(slot, z, request, slots)

    def _in_background(self, fn: Callable[..., None], *args: Any) -> None:
        future = self._tidier.submit(fn, *args)
        with self._lock:
            self._tidying.add(future)
        future.add_done_callback(self._tidied)

    def _tidy(
        self,
        slot: int,
        z: ZygoteProcess,
        request: dict[str, Any],
        slots: queue.Queue[int],
    ) -> None:
        """Make a slot whose run ended ready for the next one: nothing of the run left in it,
        its memory charge reclaimed, a spare of ``z`` joined; or take it out of service."""
        retire_slot = False
        try:
            if self.cgroups.dirs and not self.cgroups.empty(slot):
                retire_slot = True
            elif not self.cgroups.reclaim(slot):
                log.warning(
                    "cgroup slot %d still held %.0f MB after its run: renewed",
                    slot,
                    self.cgroups.charged_mb(slot),
                )
                retire_slot = not self.cgroups.renew(slot)
            if "work_dir" in request:  # unsafe mode: the run's folder on the host
                shutil.rmtree(request["work_dir"], ignore_errors=True)
            if not retire_slot:
                self._prime(slot, z, request["cgroups"])
        except Exception:
            log.exception("cgroup slot %d could not be made ready after its run", slot)
        finally:
            self._release(z)
            if retire_slot:  # a process outlived SIGKILL there: never hand that slot out again
                log.error("cgroup slot %d taken out of service", slot)
            else:
                slots.put(slot)

    def _tidied(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._tidying.discard(future)

    def settle(self, timeout_s: float | None = None) -> None:
        """Wait until every ended run's slot is ready again (tests, benchmarks)."""
        with self._lock:
            pending = list(self._tidying)
        concurrent.futures.wait(pending, timeout=timeout_s)

    # -- spares that join a free slot ahead of its next run ------------------------------------
    def _prime(self, slot: int, z: ZygoteProcess, cgroups: list[str]) -> None:
        """The slot is free again: a spare of the zygote that ran in it joins it now, so that
        the slot's next run (most likely the same exercise again) does not wait to join it."""
        if not self.isolate or not cgroups or not z.alive() or z.retired:
            return
        z.slot_request("prime", slot, cgroups)
        with self._lock:
            self._primed[slot] = z

    def _claim_slot(self, slot: int, z: ZygoteProcess) -> None:
        """A run forked from ``z`` takes ``slot``: a spare of another zygote waiting in it leaves
        first (the slot's accounting must hold this run's processes only)."""
        with self._lock:
            primed = self._primed.pop(slot, None)
        if primed is not None and primed is not z and primed.alive():
            primed.slot_request("unprime", slot)

    def _request(
        self, slot: int, limits: RunLimits, seed: int, threads: int, z: ZygoteProcess
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "slot": slot,
            "limits": limits.to_dict(),
            "seed": seed,
            "threads": threads,
            "zygote_vm_mb": z.vm_mb,
            "cgroup_memory": self.cgroups.has_memory,
            "cgroup_pids": self.cgroups.has_pids,
            "cgroups": [
                f"{PRIVATE_DIR}/{c}/slot-{slot}/cgroup.procs"
                if self.isolate
                else str(self.cgroups.slot_dir(c, slot) / "cgroup.procs")
                for c in self.cgroups.dirs
            ],
        }
        if not self.isolate:
            import tempfile

            request["work_dir"] = tempfile.mkdtemp(prefix="feynlab-run-")
            request["data_dir"] = str(self.data_dir or "/nonexistent")
        return request

    def close(self) -> None:
        self._closed = True
        self._tidier.shutdown(wait=True)
        for line in self._lines.values():
            with line.lock:
                if line.zygote is not None:
                    line.zygote.close()
                    line.zygote = None
                if line.successor is not None:
                    fresh = _result(line.successor)
                    if fresh is not None:
                        fresh.close()
                    line.successor = None
            line.starter.shutdown(wait=True)
        self.cgroups.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
