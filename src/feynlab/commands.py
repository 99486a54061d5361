"""``feynlab run FILE`` and ``feynlab grade COURSE/EXERCISE FILE``, as plain functions.

Exit codes: 0 when a result or verdict was reached (whatever it is), 2 for a usage error
(missing file, unknown exercise), 1 for a platform fault (no sandbox, an infra-error).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from feynlab.grading.exercise import ExerciseNotFound, load_exercise
from feynlab.grading.runner import Runner
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
        out = {k: v for k, v in result.to_dict().items() if k != "first_output_s"}
        print(json.dumps(out))
    else:
        if result.error:
            print(result.error, file=sys.stderr, end="")
        if result.status != "ok":
            print(f"[{result.status}] after {result.duration_s:.2f} s", file=sys.stderr)
    return 1 if result.status == "infra-error" else 0


def grade_file(
    target: str, path: Path, *, json_output: bool, courses_dir: Path | None = None
) -> int:
    """Grade a solution file for COURSE/EXERCISE through the sandbox and the exercise's grader."""
    try:
        exercise = load_exercise(courses_dir or get_settings().courses_dir, target)
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
    if json_output:
        print(json.dumps(verdict.to_dict()))
    else:
        score = "" if verdict.score is None else f" score {verdict.score:.4g}"
        print(f"\n{verdict.status.upper()}{score} ({verdict.duration_s:.2f} s)")
        for name, value in verdict.metrics.items():
            print(f"  {name}: {value:.4g}")
        if verdict.feedback:
            print(verdict.feedback)
        if verdict.error:
            print(verdict.error)
    return 1 if verdict.status == "infra-error" else 0
