"""Classification: what the learner's process did plus what the grader concluded, as a Verdict.

Pure functions of plain values (no sandbox, no grader module), so that every branch has a golden
test built from hand-made outcomes. The process's fate (a limit, a platform fault) wins over the
grader's answers; then the grader's conclusion; then what the learner's code did.
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from typing import Any

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.result import Result
from feynlab.grading.verdicts import (
    Fault,
    LimitStatus,
    Resources,
    RunResult,
    StaffDetails,
    Verdict,
)
from feynlab.sandbox.limits import RunLimits
from feynlab.sandbox.run import RunOutcome


# -- what the grading step concluded (one of these; see runner.execute) ------------------------
@dataclass(frozen=True)
class Graded:
    """The grader returned (``result`` may still be malformed: the author's fault)."""

    result: object


@dataclass(frozen=True)
class LearnerRaised:
    """The learner's code raised while loaded or called."""

    traceback: str
    exc_type: str | None = None


@dataclass(frozen=True)
class LearnerExited:
    """The learner's file stopped the process while it was loaded (``exit()``)."""

    exit_status: object = None


@dataclass(frozen=True)
class MissingFunction:
    name: str


@dataclass(frozen=True)
class Unreadable:
    """The learner's code sent back something the trusted side refused to decode."""

    reason: str


@dataclass(frozen=True)
class GraderBroke:
    """The exercise's grader raised (or could not be loaded): the course author's fault."""

    traceback: str


@dataclass(frozen=True)
class Unanswered:
    """The process ended (or a call timed out) before the grader had its answers."""


Execution = (
    Graded | LearnerRaised | LearnerExited | MissingFunction | Unreadable | GraderBroke | Unanswered
)

INFRA_FEEDBACK = (
    "Something went wrong on our side while grading (not in your code). "
    "This attempt does not count; please submit again."
)
AUTHOR_FEEDBACK = (
    "The grader of this exercise failed: the exercise is being fixed, and the mistake is not "
    "yours. This attempt is not counted; try again later."
)
LIMIT_FEEDBACK: dict[str, str] = {
    "timeout": "Your code ran out of time (limits: {l.wall_s:g} s of wall time, {l.cpu_s:g} s "
    "of CPU). Look for a loop that never ends, or make the work smaller (fewer epochs, a "
    "smaller model, a sample of the data).",
    "memory": "Your code used more memory than allowed ({l.memory_mb} MB). Use smaller arrays "
    "or batches, and avoid keeping copies of the data.",
    "output-limit": "Your code printed more than {l.output_kb} KB, so it was stopped. Print "
    "less (for example only every 100th step).",
}
CRASH_SIGNALS = frozenset({"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT", "SIGSYS"})
LEARNER_FILES = ("solution.py", "cell.py")
_FRAME = re.compile(r'File "(?:' + "|".join(map(re.escape, LEARNER_FILES)) + r')", line (\d+)')
# The adapter's own "this is not a model" (sandbox/adapters.py): its message is the feedback.
NOT_A_MODEL = "NotAModel"


def error_line(traceback: str | None) -> int | None:
    """The line of the learner's file an error points to: its innermost frame there (the
    traceback shows only the learner's frames; it is a hint for the editor, nothing more)."""
    lines = [int(m) for m in _FRAME.findall(traceback or "")]
    return lines[-1] if lines and 0 < lines[-1] < 10**7 else None


def output_limit_feedback(o: RunOutcome, limits: RunLimits) -> str:
    """The output cap's message, saying what printed most when the run's output shows it."""
    text = LIMIT_FEEDBACK["output-limit"].format(l=limits)
    hint = o.extra.get("output_hint")
    return f"{text} {hint}" if isinstance(hint, str) and hint else text


def limit_feedback(limit: LimitStatus, o: RunOutcome, limits: RunLimits) -> str:
    if limit == "output-limit":
        return output_limit_feedback(o, limits)
    return LIMIT_FEEDBACK[limit].format(l=limits)


def raised_feedback(traceback: str, exc_type: str | None) -> str:
    if exc_type == NOT_A_MODEL:
        return traceback.strip().removeprefix(f"{NOT_A_MODEL}: ")
    line = error_line(traceback)
    where = f" on line {line} of your file" if line else ""
    return (
        f"Your code raised an error{where}. Read the last line of the traceback below: it says "
        "what went wrong."
    )


def process_status(o: RunOutcome, limits: RunLimits) -> LimitStatus | None:
    """The limit the process's fate shows, if any (None: look at the answers)."""
    if o.killed_for == "output-limit":
        return "output-limit"
    if o.killed_for in ("timeout", "call-timeout"):
        return "timeout"
    if o.oom:
        return "memory"
    code = o.exit_code
    if code == -signal.SIGXCPU:
        return "timeout"
    if code == -signal.SIGKILL and (  # the CPU rlimit's hard kill, or the wall clock's
        o.cpu_s >= limits.cpu_s - 0.5 or o.duration_s >= limits.wall_s - 0.5
    ):
        return "timeout"
    return None


def ended_message(o: RunOutcome, *, graded: bool = True) -> str:
    """Why the learner's process stopped early, for a beginner."""
    code = o.exit_code
    if o.protocol_error:
        if not graded:
            return (
                "Your code wrote something unreadable on the platform's own channel, so it was "
                "stopped. Print with `print()` and plot with matplotlib; do not write to file "
                "descriptors you did not open."
            )
        return "Your program broke the connection with the grader (it sent something unreadable)."
    if code is not None and code < 0:
        known = -code in signal.Signals._value2member_map_
        name = signal.Signals(-code).name if known else str(code)
        if name in CRASH_SIGNALS:
            return (
                f"Your program crashed ({name}) before it finished. This usually comes from "
                "recursion that went too deep, or from ctypes or a C extension."
            )
        return (
            f"Your program was stopped by the system ({name}) before it finished, most often "
            "because it used too much memory or time. Make the work smaller (fewer epochs, a "
            "smaller model, a sample of the data) and try again."
        )
    return (
        f"Your program stopped (exit status {code}) before the grader had asked all its "
        "questions. Do not call `exit()`, `sys.exit()` or `os._exit()` in your solution."
    )


def decide(result: Result, exercise: GradableExercise) -> bool | None:
    """Passed or not: the grader's own decision, else the exercise's bar on its figure."""
    if result.passed is not None:
        return bool(result.passed)
    bar = exercise.pass_bar
    if bar is None:
        return None
    measured = {**result.metrics, **getattr(result, "staff_metrics", {})}
    value = result.score if bar.metric == "score" else measured.get(bar.metric)
    return value is not None and float(value) >= bar.at_least


def classify(
    o: RunOutcome,
    limits: RunLimits,
    exercise: GradableExercise,
    execution: Execution,
    *,
    view_seed: int | None = None,
) -> Verdict:
    """The verdict on one grading."""
    common: dict[str, Any] = {
        "output": o.output,
        "duration_s": o.duration_s,
        "resources": Resources(cpu_s=o.cpu_s, max_rss_mb=o.max_rss_mb),
        "seed": o.extra.get("seed"),
    }
    staff = StaffDetails(view_seed=view_seed)
    if isinstance(execution, Graded):  # the grader has its answers: what followed is moot
        return _graded(execution.result, exercise, staff, common)
    if o.infra_error:
        staff.platform_error = o.infra_error
        return Verdict(
            status="infra-error",
            fault=Fault.platform,
            feedback=INFRA_FEEDBACK,
            staff=staff,
            **common,
        )
    if isinstance(execution, GraderBroke):
        return author_fault(execution.traceback, staff=staff, **common)
    limit = process_status(o, limits)
    if limit is not None:
        feedback = limit_feedback(limit, o, limits)
        return Verdict(status=limit, feedback=feedback, staff=staff, **common)
    if isinstance(execution, MissingFunction):
        name = execution.name
        feedback = (
            f"Your file does not define a function named `{name}`. Define `def {name}(...):` "
            "at the top level of your file (not inside another function or an `if`), with "
            "exactly that name."
        )
        return Verdict(status="error", feedback=feedback, staff=staff, **common)
    if isinstance(execution, Unreadable):
        feedback = (
            "Your code sent back something the grader could not read. Return plain values: "
            "numbers, strings, lists, dicts or NumPy arrays of numbers, of sensible sizes."
        )
        return Verdict(
            status="error", feedback=feedback, error=execution.reason, staff=staff, **common
        )
    if isinstance(execution, LearnerRaised):
        if execution.exc_type == "MemoryError":
            feedback = LIMIT_FEEDBACK["memory"].format(l=limits)
            return Verdict(status="memory", feedback=feedback, staff=staff, **common)
        feedback = raised_feedback(execution.traceback, execution.exc_type)
        shown = None if execution.exc_type == NOT_A_MODEL else execution.traceback
        return Verdict(
            status="error",
            feedback=feedback,
            error=shown,
            error_line=error_line(execution.traceback),
            staff=staff,
            **common,
        )
    if isinstance(execution, LearnerExited):
        feedback = (
            f"Your file stopped the program (exit status {execution.exit_status}) while it was "
            "loaded, before the grader could call your code. Do not call `exit()`, `sys.exit()` "
            "or `quit()` in your solution."
        )
        return Verdict(status="error", feedback=feedback, staff=staff, **common)
    return Verdict(status="error", feedback=ended_message(o), staff=staff, **common)


def author_fault(traceback: str, *, staff: StaffDetails | None = None, **common: Any) -> Verdict:
    """The grader broke: staff see why; the learner is told it is not counted."""
    staff = staff or StaffDetails()
    staff.grader_traceback = traceback[-20_000:]
    return Verdict(
        status="infra-error", fault=Fault.author, feedback=AUTHOR_FEEDBACK, staff=staff, **common
    )


def _graded(
    result: object, exercise: GradableExercise, staff: StaffDetails, common: dict[str, Any]
) -> Verdict:
    if not isinstance(result, Result):
        why = f"grade() returned a {type(result).__name__}, not a feynlab.grading.result.Result"
        return author_fault(why, staff=staff, **common)
    passed = decide(result, exercise)
    if passed is None:
        why = "the grader decided nothing (Result.passed is None) and the exercise has no bar"
        return author_fault(why, staff=staff, **common)
    staff.metrics = dict(getattr(result, "staff_metrics", {}) or {})
    staff.predictions = getattr(result, "predictions", None)
    feedback = result.feedback
    if not passed and isinstance(feedback, str):  # never "Not passed yet ... Well done!"
        feedback = _PRAISE.sub("", feedback).rstrip()
    try:
        return Verdict(
            status="passed" if passed else "failed",
            score=result.score,
            metrics=dict(result.metrics),
            feedback=feedback,
            summary=getattr(result, "summary", "") or "",
            artifacts=dict(result.artifacts),
            staff=staff,
            **common,
        )
    except ValueError as exc:  # metrics that are not numbers, feedback that is not text...
        return author_fault(f"grade() returned a malformed Result: {exc}", staff=staff, **common)


_PRAISE = re.compile(r"\s*(?::\s*passed\.)?\s*Well done!")


def classify_run(o: RunOutcome, limits: RunLimits, reply: dict[str, Any] | None) -> RunResult:
    """The result of a code cell from the process's fate and the harness's reply."""
    common: dict[str, Any] = {
        "output": o.output,
        "duration_s": o.duration_s,
        "resources": Resources(cpu_s=o.cpu_s, max_rss_mb=o.max_rss_mb),
        "seed": o.extra.get("seed"),
        "first_output_s": o.first_output_s,
    }
    if o.infra_error:
        return RunResult(status="infra-error", fault=Fault.platform, error=INFRA_FEEDBACK, **common)
    limit = process_status(o, limits)
    if limit is not None:  # the page explains each limit by its status; the cap says more
        hint = o.extra.get("output_hint") if limit == "output-limit" else None
        error = output_limit_feedback(o, limits) if hint else None
        return RunResult(status=limit, error=error, **common)
    if reply is None:
        return RunResult(status="error", error=ended_message(o, graded=False), **common)
    if reply.get("ok"):
        return RunResult(status="ok", **common)
    status = "memory" if reply.get("exc_type") == "MemoryError" else "error"
    error = str(reply.get("error") or f"Your code exited with status {reply.get('exit')}.")
    return RunResult(status=status, error=error, error_line=error_line(error), **common)
