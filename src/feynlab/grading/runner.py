"""The runner: runs code cells and grades submissions through the sandbox and ``grader.py``.

A grading is a short pipeline: prepare (limits, grader), execute (load the learner's file in a
fresh sandboxed process, then the author's ``grade(judge)``), classify (grading/classify.py: the
process's fate and the grader's conclusion make one Verdict, with whose fault it was). The runner
never retries: the queue alone runs a platform fault again.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import threading
import traceback
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from feynlab.grading.classify import (
    INFRA_FEEDBACK,
    Execution,
    Graded,
    GraderBroke,
    LearnerExited,
    LearnerRaised,
    MissingFunction,
    Unanswered,
    Unreadable,
    author_fault,
    classify,
    classify_run,
)
from feynlab.grading.exercise import GradableExercise
from feynlab.grading.judge import Judge, LearnerError
from feynlab.grading.judge import MissingFunction as LearnerMissing
from feynlab.grading.verdicts import Fault, RunResult, StaffDetails, Verdict
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.pool import Sandbox
from feynlab.sandbox.protocol import ProtocolError
from feynlab.sandbox.run import CallTimeout, EventSink, LiveRun, RunEnded
from feynlab.settings import Settings, get_settings

log = logging.getLogger(__name__)
CELL_FILE = "cell.py"
SOLUTION_FILE = "solution.py"
FINISH_TIMEOUT_S = 5.0


class GraderFault(Exception):
    """The exercise's own grader failed: the course author's fault, never the learner's."""


class Runner:
    """Owns a warm sandbox; ``run_code`` and ``grade`` may be called from several threads."""

    def __init__(self, settings: Settings | None = None, *, workers: int | None = None) -> None:
        self.settings = settings or get_settings()
        self.sandbox = Sandbox(self.settings, workers=workers)
        self.public_dir = self.settings.data_dir / "public"
        self._graders: dict[tuple[str, int], ModuleType] = {}
        self._graders_lock = threading.Lock()

    def close(self) -> None:
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
                self.sandbox.run(limits=run_limits, on_event=on_event, seed=seed) as live,
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

        ``view_seed`` reproduces a test view (a regrade); by default the judge draws a fresh one.
        """
        try:
            limits = self._limits(exercise.limits)
            grader = self._grader(exercise)
        except Exception as exc:
            log.error("cannot load the grader of %s/%s", exercise.course, exercise.slug)
            return author_fault(_traceback(exc), staff=StaffDetails(view_seed=view_seed))
        try:
            with self.sandbox.run(limits=limits, on_event=on_event, seed=seed) as live:
                judge = Judge(
                    live,
                    public_dir=self.public_dir,
                    default_timeout_s=limits.wall_s,
                    view_seed=view_seed,
                )
                execution = execute(live, judge, grader, code)
        except Exception as exc:
            log.exception("sandbox failure while grading")
            return Verdict(
                status="infra-error",
                fault=Fault.platform,
                feedback=INFRA_FEEDBACK,
                staff=StaffDetails(view_seed=view_seed, platform_error=f"sandbox: {exc}"),
            )
        return classify(live.outcome, limits, exercise, execution, view_seed=judge.view_seed)

    def _grader(self, exercise: GradableExercise) -> ModuleType:
        path = exercise.grader_path
        key = (str(path), path.stat().st_mtime_ns)
        with self._graders_lock:
            if key not in self._graders:
                name = f"feynlab_grader_{exercise.course}_{exercise.slug}".replace("-", "_")
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    raise GraderFault(f"cannot load {path}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                if not callable(getattr(module, "grade", None)):
                    raise GraderFault(f"{path.name} does not define grade(judge)")
                self._graders[key] = module
            return self._graders[key]


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def execute(live: LiveRun, judge: Judge, grader: ModuleType, code: str) -> Execution:
    """Load the learner's file, then let the grader ask its questions."""
    try:
        reply, _ = live.request({"op": "load", "code": code, "filename": SOLUTION_FILE})
    except RunEnded:
        return Unanswered()
    if not reply.get("ok"):
        if reply.get("error"):
            return LearnerRaised(str(reply["error"]), reply.get("exc_type"))
        return LearnerExited(reply.get("exit"))
    try:
        result = grader.grade(judge)
    except LearnerError as exc:
        return LearnerRaised(exc.traceback, exc.exc_type)
    except LearnerMissing as exc:
        return MissingFunction(exc.name)
    except (RunEnded, CallTimeout):
        return Unanswered()
    except ProtocolError as exc:
        return Unreadable(str(exc))
    except Exception as exc:
        log.error("grader failure: %s", _traceback(exc))
        return GraderBroke(_traceback(exc))
    with contextlib.suppress(RunEnded, CallTimeout):
        live.request({"op": "finish"}, timeout_s=FINISH_TIMEOUT_S)
    return Graded(result)
