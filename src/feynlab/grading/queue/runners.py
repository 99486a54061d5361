"""The runner seam: what the queue needs from the sandbox, and how one is built from settings.

The queue never imports the sandbox directly; it calls a factory named by
``FEYNLAB_RUNNER_FACTORY`` (default: the local sandbox's ``feynlab.grading.runner.Runner``),
so a cluster or a test picks another real runner by configuration, not by patching.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from feynlab.grading.exercise import GradableExercise
from feynlab.grading.verdicts import RunResult, Verdict
from feynlab.sandbox.limits import RunLimits
from feynlab.settings import Settings

EventSink = Callable[[dict[str, Any]], None]


class Runner(Protocol):
    """The sandbox's long-lived runner (thread-safe; see docs/dev-guide.md). It returns the one
    outcome type of the grading contract and never retries: the queue does."""

    def run_code(self, *, code: str, limits: RunLimits, on_event: EventSink) -> RunResult: ...

    def grade(
        self,
        *,
        exercise: GradableExercise,
        code: str,
        on_event: EventSink,
        view_seed: int | None = None,
    ) -> Verdict: ...


def sandbox_runner(settings: Settings) -> Runner:
    """The local sandbox runner owning a warm zygote."""
    from feynlab.grading.runner import Runner as SandboxRunner

    build = getattr(SandboxRunner, "from_settings", None)
    runner: Runner = build(settings) if callable(build) else SandboxRunner(settings=settings)
    return runner


def build_runner(settings: Settings, factory: str) -> Runner:
    """Import ``module:function`` and call it with the settings."""
    module_name, _, attr = factory.partition(":")
    if not module_name or not attr:
        raise ValueError(f"FEYNLAB_RUNNER_FACTORY must be module:function, not {factory!r}")
    build = getattr(importlib.import_module(module_name), attr)
    runner: Runner = build(settings)
    return runner


def close_runner(runner: Runner) -> None:
    for name in ("close", "shutdown", "stop"):
        method = getattr(runner, name, None)
        if callable(method):
            method()
            return
