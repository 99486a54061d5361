"""``feynlab run FILE`` and ``feynlab grade COURSE/EXERCISE FILE``, as plain functions.

Exit codes: 0 when a result or verdict was reached (whatever it is), 2 for a usage error
(missing file, unknown exercise), 1 for a platform fault (no sandbox, an infra-error).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from feynlab.courses.find import find_exercise
from feynlab.grading.exercise import ExerciseNotFound
from feynlab.grading.runner import Runner
from feynlab.grading.verdicts import Fault
from feynlab.sandbox.pool import SandboxUnavailable
from feynlab.settings import get_settings


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return None


def _stream(event: dict[str, Any]) -> None:
    kind = event.get("type")
    if kind in ("stdout", "stderr"):
        stream = sys.stdout if kind == "stdout" else sys.stderr
        stream.write(event["text"])
        stream.flush()
    elif kind == "figure":
        print(f"[figure {event['width']}x{event['height']} png]", file=sys.stderr)
    elif kind == "output-limit":
        print(f"\n[output cut at {event['limit_bytes']} bytes]", file=sys.stderr)
    elif kind == "progress":
        logs = " ".join(f"{k}={v:.4g}" for k, v in event["logs"].items())
        print(f"[epoch {event['epoch']}/{event['epochs']}] {logs}", file=sys.stderr)


def _runner() -> Runner | None:
    try:
        return Runner(get_settings())
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def run_file(path: Path, *, json_output: bool) -> int:
    """Run a file as a code cell; stream its output (or print one JSON object with --json)."""
    code = _read(path)
    if code is None:
        return 2
    runner = _runner()
    if runner is None:
        return 1
    with runner:
        result = runner.run_code(code=code, on_event=None if json_output else _stream)
    if json_output:
        print(result.model_dump_json(exclude={"first_output_s"}))
    else:
        if result.error:
            print(result.error, file=sys.stderr, end="")
        if result.status != "ok":
            print(f"[{result.status}] after {result.duration_s:.2f} s", file=sys.stderr)
    return 0 if result.fault == Fault.learner else 1


def grade_file(
    target: str, path: Path, *, json_output: bool, courses_dir: Path | None = None
) -> int:
    """Grade a solution file for COURSE/EXERCISE through the sandbox and the exercise's grader."""
    try:
        exercise = find_exercise(courses_dir or get_settings().courses_dir, target).gradable()
    except ExerciseNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code = _read(path)
    if code is None:
        return 2
    runner = _runner()
    if runner is None:
        return 1
    with runner:
        verdict = runner.grade(
            exercise=exercise, code=code, on_event=None if json_output else _stream
        )
    if json_output:  # the author's own tool: staff details included
        print(verdict.model_dump_json())
    else:
        score = "" if verdict.score is None else f" score {verdict.score:.4g}"
        print(f"\n{verdict.status.upper()}{score} ({verdict.duration_s:.2f} s)")
        if verdict.summary:  # plain words, not the metric keys
            print(f"  {verdict.summary}")
        else:
            for name, value in verdict.metrics.items():
                print(f"  {name}: {value:.4g}")
        if verdict.feedback:
            print(verdict.feedback)
        if verdict.error:
            print(verdict.error)
        staff = verdict.staff
        if staff is not None and staff.grader_traceback:
            print("\nThe grader failed (the exercise's fault, not the learner's):", file=sys.stderr)
            print(staff.grader_traceback, file=sys.stderr)
        if staff is not None and staff.platform_error:
            print(f"\nPlatform fault: {staff.platform_error}", file=sys.stderr)
    return 0 if verdict.fault == Fault.learner else 1
