"""The runner: runs code cells and grades submissions through the sandbox and ``grader.py``.

A grading is a short pipeline: prepare (limits; the author's grader loaded in a grader host of
its own, unprivileged: grading/grader_process.py), execute (load the learner's file in a fresh
sandboxed process, then the grader's ``grade(judge)``, whose requests this process relays),
classify (grading/classify.py: the process's fate and the grader's conclusion make one Verdict,
with whose fault it was). The runner never retries: the queue alone runs a platform fault again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from feynlab.grading.classify import (
    INFRA_FEEDBACK,
    Execution,
    Graded,
    GraderBroke,
    LearnerExited,
    LearnerRaised,
    Unanswered,
    author_fault,
    classify,
    classify_run,
)
from feynlab.grading.exercise import GradableExercise
from feynlab.grading.grader_process import (
    HOST_GRACE_S,
    HOST_START_S,
    GraderHost,
    relay,
    wait_ready,
)
from feynlab.grading.verdicts import Fault, RunResult, StaffDetails, Verdict
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.pool import Sandbox
from feynlab.sandbox.run import DEADLINE_GRACE_S, CallTimeout, EventSink, LiveRun, RunEnded
from feynlab.sandbox.zygote import profile_of
from feynlab.settings import Settings, get_settings

log = logging.getLogger(__name__)
CELL_FILE = "cell.py"
SOLUTION_FILE = "solution.py"
FINISH_TIMEOUT_S = 5.0


class HostSpares:
    """Grader hosts started ahead of their grading, one per recently graded exercise.

    Starting a host (bubblewrap, Python, the host's imports, loading the grader) is most of a
    quick grading's wait, so once an exercise has been graded twice the next host for it starts
    and loads its grader in the background (after one grading only: a one-off `feynlab grade`
    starts no host it does not use). Each host still serves one grading only; a spare older
    than ``MAX_AGE_S`` is not used (a course update reaches the next grading), and at most
    ``MAX_KEYS`` exercises keep one.
    """

    MAX_KEYS = 8
    MAX_AGE_S = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spares: OrderedDict[tuple[Any, ...], tuple[float, Future[GraderHost]]] = OrderedDict()
        # one long-lived thread: bwrap's --die-with-parent fires when the starting thread exits
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="grader-host")
        self._reaper = ThreadPoolExecutor(1, thread_name_prefix="grader-host-reaper")
        self._seen: OrderedDict[tuple[Any, ...], None] = OrderedDict()  # graded once, no spare
        self._closed = False

    def take(self, **options: Any) -> GraderHost:
        # the folder's files in the key: an edited grader (a course update) never meets a host
        # started before the edit (as root, a host grades a copy taken when it started)
        key = (*sorted((k, str(v)) for k, v in options.items()), _fingerprint(options))
        with self._lock:
            entry = self._spares.pop(key, None)
        host = None
        if entry is not None:
            created, future = entry
            with contextlib.suppress(Exception):  # a spare that failed: start one here
                host = future.result()
            if host is not None and (
                time.monotonic() - created > self.MAX_AGE_S or host.process.poll() is not None
            ):
                host.close()
                host = None
        if host is None:
            host = GraderHost(**options)
        with self._lock:
            again = entry is not None or key in self._seen
            self._seen[key] = None
            self._seen.move_to_end(key)
            while len(self._seen) > 4 * self.MAX_KEYS:
                self._seen.popitem(last=False)
            # never two spares for one key
            if again and not self._closed and key not in self._spares and self.MAX_KEYS > 0:
                self._spares[key] = (time.monotonic(), self._starter.submit(GraderHost, **options))
                while len(self._spares) > self.MAX_KEYS:
                    _, (_, old) = self._spares.popitem(last=False)
                    old.add_done_callback(_close_host)
        return host

    def reap(self, host: GraderHost) -> None:
        """Wait for a stopped host in the background (its exit, its exercise copy)."""
        try:
            self._reaper.submit(host.reap)
        except RuntimeError:  # shut down: reap here
            host.reap()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spares, self._spares = list(self._spares.values()), OrderedDict()
        for _, future in spares:
            future.add_done_callback(_close_host)
        self._starter.shutdown(wait=True)
        self._reaper.shutdown(wait=True)


def _fingerprint(options: dict[str, Any]) -> tuple[tuple[str, int, int], ...]:
    """Every file of the exercise folder, with its size and modification time."""
    found = []
    for root, _, files in os.walk(options["exercise_dir"]):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(root, name))
                found.append((os.path.join(root, name), st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def _close_host(future: Future[GraderHost]) -> None:
    with contextlib.suppress(Exception):
        future.result().close()


class GraderFault(Exception):
    """The exercise's own grader failed: the course author's fault, never the learner's."""


class Runner:
    """Owns a warm sandbox; ``run_code`` and ``grade`` may be called from several threads."""

    def __init__(self, settings: Settings | None = None, *, workers: int | None = None) -> None:
        self.settings = settings or get_settings()
        self.sandbox = Sandbox(self.settings, workers=workers)
        self.public_dir = self.settings.data_dir / "public"
        self.hosts = HostSpares()

    def close(self) -> None:
        self.hosts.close()
        self.sandbox.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def limits_for(self, exercise: GradableExercise) -> RunLimits:
        """The limits a grading of ``exercise`` runs under (platform defaults, then its own)."""
        return self._limits(exercise.limits)

    def _limits(self, limits: RunLimits | Mapping[str, Any] | None) -> RunLimits:
        if isinstance(limits, RunLimits):
            return limits
        return RunLimits.defaults(self.settings).with_overrides(limits)

    # -- code cells ----------------------------------------------------------------------------
    def run_code(
        self,
        *,
        code: str,
        limits: RunLimits | Mapping[str, Any] | None = None,
        on_event: EventSink | None = None,
        seed: int | None = None,
    ) -> RunResult:
        """Run ``code`` as a code cell; output streams to ``on_event`` as it comes. A platform
        fault comes back as ``fault=platform`` (the queue decides whether to run it again)."""
        run_limits = self._limits(limits)
        reply: dict[str, Any] | None = None
        try:
            with (
                self.sandbox.run(
                    limits=run_limits, on_event=on_event, seed=seed, profile=profile_of(code)
                ) as live,
                contextlib.suppress(RunEnded),
            ):
                reply, _ = live.request({"op": "run", "code": code, "filename": CELL_FILE})
        except Exception as exc:  # the sandbox itself failed
            log.exception("sandbox failure")
            return RunResult(
                status="infra-error", fault=Fault.platform, error=f"The sandbox failed: {exc}"
            )
        return classify_run(live.outcome, run_limits, reply)

    # -- grading -------------------------------------------------------------------------------
    def grade(
        self,
        *,
        exercise: GradableExercise,
        code: str,
        on_event: EventSink | None = None,
        seed: int | None = None,
        view_seed: int | None = None,
    ) -> Verdict:
        """Grade ``code`` against ``exercise`` once and return the verdict (never raises for it).

        ``view_seed`` reproduces a test view (a regrade); by default a fresh one is drawn here.
        The grader runs in a grader host of its own (grading/grader_process.py), never here.
        """
        view_seed = secrets.randbits(63) if view_seed is None else view_seed
        try:
            limits = self._limits(exercise.limits)
            if not exercise.grader_path.is_file():
                raise GraderFault(f"{exercise.slug} has no {exercise.grader_path.name}")
        except Exception as exc:
            log.error("cannot load the grader of %s/%s", exercise.course, exercise.slug)
            return author_fault(_traceback(exc), staff=StaffDetails(view_seed=view_seed))
        host: GraderHost | None = None
        try:
            host = self.hosts.take(
                exercise_dir=exercise.directory,
                data_dir=self.settings.data_dir,
                isolate=self.sandbox.isolate,
                cpu_s=limits.wall_s + DEADLINE_GRACE_S + HOST_GRACE_S,
                hidden_data=not exercise.checks,  # public checks see the public data only
                grader=exercise.grader_path.name,
                module=f"feynlab_grader_{exercise.course}_{exercise.slug}".replace("-", "_"),
            )
            host.send(
                {
                    "kind": "start",
                    "public_dir": host.public_dir,
                    "default_timeout_s": limits.wall_s,
                    "view_seed": view_seed,
                    "reply_bytes": limits.reply_bytes,
                    "pass_bar": exercise.spec()["pass"],  # as validated: graders never
                    "view": exercise.view,  # read exercise.yaml themselves
                }
            )
            broken = wait_ready(host, time.monotonic() + HOST_START_S)
            if broken is not None:  # the grader did not load: the learner's code never runs
                log.error("cannot load the grader of %s/%s", exercise.course, exercise.slug)
                return author_fault(broken.traceback, staff=StaffDetails(view_seed=view_seed))
            profile = profile_of(code, declared=exercise.zygote)
            with self.sandbox.run(
                limits=limits, on_event=on_event, seed=seed, profile=profile
            ) as live:
                execution = execute(live, host, code)
        except Exception as exc:
            log.exception("sandbox failure while grading")
            return Verdict(
                status="infra-error",
                fault=Fault.platform,
                feedback=INFRA_FEEDBACK,
                staff=StaffDetails(view_seed=view_seed, platform_error=f"sandbox: {exc}"),
            )
        finally:
            if host is not None:
                host.stop()  # waiting for it to be gone is not the learner's wait
                self.hosts.reap(host)
        if isinstance(execution, GraderBroke):
            log.error("grader failure: %s", execution.traceback)
        outcome = live.concluded or live.outcome
        return classify(outcome, limits, exercise, execution, view_seed=view_seed)


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def execute(live: LiveRun, host: GraderHost, code: str) -> Execution:
    """Load the learner's file, then let the grader (ready in its host) ask its questions."""
    try:
        reply, _ = live.request({"op": "load", "code": code, "filename": SOLUTION_FILE})
    except RunEnded:
        return Unanswered()
    if not reply.get("ok"):
        if reply.get("error"):
            return LearnerRaised(str(reply["error"]), reply.get("exc_type"))
        return LearnerExited(reply.get("exit"))
    execution = relay(live, host)
    if isinstance(execution, Graded):
        with contextlib.suppress(RunEnded, CallTimeout):
            used = live.used()  # while the harness waits: it ends right after finish
            live.request({"op": "finish"}, timeout_s=FINISH_TIMEOUT_S)
            # the harness has closed its output: the verdict need not wait for its exit
            live.conclude(used)
    return execution
