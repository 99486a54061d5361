"""The runner: runs code cells and grades submissions through the sandbox and ``grader.py``.

A grading is a short pipeline: prepare (limits, grader), execute (load the learner's file in a
fresh sandboxed process), score (the author's ``grade(judge)``), classify (what the process did
decides timeout, memory and output-limit; the grader's Result decides passed or failed).
Infrastructure faults are retried once and never counted against the learner.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import signal
import threading
import traceback
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.judge import Judge, LearnerError, MissingFunction
from feynlab.grading.result import Result
from feynlab.grading.verdicts import Resources, RunResult, Verdict
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.pool import Sandbox
from feynlab.sandbox.protocol import ProtocolError
from feynlab.sandbox.run import CallTimeout, EventSink, LiveRun, RunEnded, RunOutcome
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
        """Run ``code`` as a code cell; output streams to ``on_event`` as it comes."""
        result = self._run_once(code, self._limits(limits), on_event, seed)
        if result.status == "infra-error":
            log.warning("infra-error on a run, retrying once: %s", result.error)
            result = self._run_once(code, self._limits(limits), on_event, seed)
        return result

    def _run_once(
        self, code: str, limits: RunLimits, on_event: EventSink | None, seed: int | None
    ) -> RunResult:
        reply: dict[str, Any] | None = None
        try:
            with (
                self.sandbox.run(limits=limits, on_event=on_event, seed=seed) as live,
                contextlib.suppress(RunEnded),
            ):
                reply, _ = live.request({"op": "run", "code": code, "filename": CELL_FILE})
        except Exception as exc:  # the sandbox itself failed
            log.exception("sandbox failure")
            return RunResult(status="infra-error", error=f"The sandbox failed: {exc}")
        o = live.outcome
        status, error = _process_status(o, limits), None
        if status is None:
            if reply is not None and reply.get("ok"):
                status = "ok"
            elif reply is not None:
                status = "memory" if reply.get("exc_type") == "MemoryError" else "error"
                error = str(
                    reply.get("error") or f"Your code exited with status {reply.get('exit')}."
                )
            else:
                status, error = "error", _ended_message(o)
        elif status == "infra-error":
            error = o.infra_error
        return RunResult(
            status=status,  # type: ignore[arg-type]
            output=o.output,
            error=error,
            duration_s=o.duration_s,
            resources=Resources(cpu_s=o.cpu_s, max_rss_mb=o.max_rss_mb),
            seed=o.extra.get("seed"),
            first_output_s=o.first_output_s,
        )

    # -- grading -------------------------------------------------------------------------------
    def grade(
        self,
        *,
        exercise: GradableExercise,
        code: str,
        on_event: EventSink | None = None,
        seed: int | None = None,
    ) -> Verdict:
        """Grade ``code`` against ``exercise`` and return the verdict (never raises for it)."""
        verdict = self._grade_once(exercise, code, on_event, seed)
        if verdict.status == "infra-error" and not (verdict.error or "").startswith("grader:"):
            log.warning("infra-error while grading, retrying once: %s", verdict.feedback)
            verdict = self._grade_once(exercise, code, on_event, seed)
        return verdict

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
                    raise GraderFault(f"{path} does not define grade(judge)")
                self._graders[key] = module
            return self._graders[key]

    def _grade_once(
        self,
        exercise: GradableExercise,
        code: str,
        on_event: EventSink | None,
        seed: int | None,
    ) -> Verdict:
        try:
            limits = self._limits(exercise.limits)
            grader = self._grader(exercise)
        except Exception as exc:
            return _grader_fault(exc)
        outcome: dict[str, Any] = {}
        try:
            with self.sandbox.run(limits=limits, on_event=on_event, seed=seed) as live:
                outcome = _execute(live, grader, code, self.public_dir, limits)
        except Exception as exc:
            log.exception("sandbox failure while grading")
            return Verdict(status="infra-error", feedback=_INFRA, error=f"sandbox: {exc}")
        return _classify(live.outcome, limits, exercise, **outcome)


_INFRA = (
    "Something went wrong on our side while grading (not in your code). "
    "This attempt does not count; please submit again."
)


def _grader_fault(exc: BaseException) -> Verdict:
    log.error("grader failure: %s", "".join(traceback.format_exception(exc)))
    return Verdict(
        status="infra-error",
        feedback="The grader of this exercise failed (the course author's mistake, not yours). "
        "This attempt does not count.",
        error=f"grader: {exc!r}",
    )


def _execute(
    live: LiveRun, grader: ModuleType, code: str, public_dir: Any, limits: RunLimits
) -> dict[str, Any]:
    """Load the learner's file, then let the grader ask its questions."""
    try:
        reply, _ = live.request({"op": "load", "code": code, "filename": SOLUTION_FILE})
    except RunEnded:
        return {"learner_error": None}
    if not reply.get("ok"):
        return {"learner_error": reply}
    judge = Judge(live, public_dir=public_dir, default_timeout_s=limits.wall_s)
    try:
        result = grader.grade(judge)
    except LearnerError as exc:
        return {"learner_error": {"error": exc.traceback, "exc_type": exc.exc_type}}
    except MissingFunction as exc:
        return {"missing": exc.name}
    except (RunEnded, CallTimeout):
        return {"learner_error": None}
    except ProtocolError as exc:
        return {"garbage": str(exc)}
    except Exception as exc:
        return {"grader_error": exc}
    with contextlib.suppress(RunEnded, CallTimeout):
        live.request({"op": "finish"}, timeout_s=FINISH_TIMEOUT_S)
    return {"result": result}


def _classify(
    o: RunOutcome,
    limits: RunLimits,
    exercise: GradableExercise,
    *,
    result: Any = None,
    learner_error: dict[str, Any] | None = None,
    missing: str | None = None,
    garbage: str | None = None,
    grader_error: BaseException | None = None,
) -> Verdict:
    common: dict[str, Any] = {
        "output": o.output,
        "duration_s": o.duration_s,
        "resources": Resources(cpu_s=o.cpu_s, max_rss_mb=o.max_rss_mb),
        "seed": o.extra.get("seed"),
    }
    if grader_error is not None:
        verdict = _grader_fault(grader_error)
        verdict.__dict__.update(common)
        return verdict
    if result is not None:
        if not isinstance(result, Result):
            verdict = _grader_fault(TypeError(f"grade() returned {type(result).__name__}"))
            verdict.__dict__.update(common)
            return verdict
        passed = _decide(result, exercise)
        if passed is None:
            verdict = _grader_fault(ValueError("the grader decided nothing and there is no bar"))
            verdict.__dict__.update(common)
            return verdict
        return Verdict(
            status="passed" if passed else "failed",
            score=result.score,
            metrics=dict(result.metrics),
            feedback=result.feedback,
            artifacts=dict(result.artifacts),
            **common,
        )
    status = _process_status(o, limits)
    if status is not None:
        if status == "infra-error":
            return Verdict(status="infra-error", feedback=_INFRA, error=o.infra_error, **common)
        feedback = _LIMIT_FEEDBACK[status].format(l=limits)
        return Verdict(status=status, feedback=feedback, **common)  # type: ignore[arg-type]
    if missing is not None:
        return Verdict(
            status="error",
            feedback=f"Your file does not define a function named `{missing}`. "
            f"Define `def {missing}(...):` at the top level of your file (not inside another "
            "function or an `if`), with exactly that name.",
            **common,
        )
    if garbage is not None:
        return Verdict(
            status="error",
            feedback="Your code sent back something the grader could not read. Return plain "
            "values: numbers, strings, lists, dicts or NumPy arrays of numbers.",
            error=garbage,
            **common,
        )
    if learner_error is not None:
        if learner_error.get("exc_type") == "MemoryError":
            return Verdict(
                status="memory", feedback=_LIMIT_FEEDBACK["memory"].format(l=limits), **common
            )
        tb = learner_error.get("error")
        if not tb:
            tb = f"Your file exited (status {learner_error.get('exit')}) while it was loaded."
        return Verdict(
            status="error",
            feedback="Your code raised an error. Read the last line of the traceback below, "
            "then the line of your file it points to.",
            error=str(tb),
            **common,
        )
    return Verdict(status="error", feedback=_ended_message(o), **common)


def _decide(result: Result, exercise: GradableExercise) -> bool | None:
    if result.passed is not None:
        return bool(result.passed)
    bar = exercise.pass_bar
    if bar is None:
        return None
    value = result.score if bar.metric == "score" else result.metrics.get(bar.metric)
    return value is not None and float(value) >= bar.at_least


def _process_status(o: RunOutcome, limits: RunLimits) -> str | None:
    """The status the process's fate decides, if any (None: look at the answers)."""
    if o.infra_error:
        return "infra-error"
    if o.killed_for == "output-limit":
        return "output-limit"
    if o.killed_for in ("timeout", "call-timeout"):
        return "timeout"
    if o.oom:
        return "memory"
    code = o.exit_code
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and o.cpu_s >= limits.cpu_s - 0.5):
        return "timeout"
    return None


def _ended_message(o: RunOutcome) -> str:
    code = o.exit_code
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else code
        return (
            f"Your program crashed ({name}) before the grader could finish. This usually comes "
            "from ctypes, a C extension, or recursion that went too deep."
        )
    if o.protocol_error:
        return "Your program broke the connection with the grader (it sent something unreadable)."
    return (
        f"Your program stopped (exit status {code}) before the grader had asked all its "
        "questions. Do not call `exit()`, `sys.exit()` or `os._exit()` in your solution."
    )


_LIMIT_FEEDBACK = {
    "timeout": "Your code ran out of time (limits: {l.wall_s:g} s of wall time, {l.cpu_s:g} s "
    "of CPU). Look for a loop that never ends, or make the work smaller (fewer epochs, a "
    "smaller model, a sample of the data).",
    "memory": "Your code used more memory than allowed ({l.memory_mb} MB). Use smaller arrays "
    "or batches, and avoid keeping copies of the data.",
    "output-limit": "Your code printed more than {l.output_kb} KB, so it was stopped. Print "
    "less (for example only every 100th step).",
}
