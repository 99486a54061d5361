"""Grading: the runner (sandbox + grader.py), verdicts, and the grader API.

Exports are loaded lazily so that importing a submodule (e.g. the queue) stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Fault", "GradableExercise", "Result", "RunResult", "Runner", "Verdict"]
_WHERE = {
    "Fault": "feynlab.grading.verdicts",
    "GradableExercise": "feynlab.grading.exercise",
    "Result": "feynlab.grading.result",
    "RunResult": "feynlab.grading.verdicts",
    "Verdict": "feynlab.grading.verdicts",
    "Runner": "feynlab.grading.runner",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(_WHERE[name]), name)
