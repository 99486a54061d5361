"""The runner seam: what the queue needs from the sandbox, and how one is built from settings.

The queue never imports the sandbox directly; it calls a factory named by
``FEYNLAB_RUNNER_FACTORY`` (default: the local sandbox's ``feynlab.grading.runner.Runner``),
so a cluster or a test picks another real runner by configuration, not by patching.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from feynlab.settings import Settings

EventSink = Callable[[dict[str, Any]], None]


class Runner(Protocol):
    """The sandbox's long-lived runner (thread-safe; see docs/dev-guide.md)."""

    def run_code(self, *, code: str, limits: Any, on_event: EventSink) -> Any: ...

    def grade(
        self, *, exercise: Any, code: str, on_event: EventSink, seed: int | None = None
    ) -> Any: ...


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


def as_dict(outcome: Any) -> dict[str, Any]:
    """A RunResult or Verdict (dataclass, Pydantic model or mapping) as a JSON-able dict."""
    if isinstance(outcome, Mapping):
        data = dict(outcome)
    elif hasattr(outcome, "to_dict"):
        data = outcome.to_dict()
    elif dataclasses.is_dataclass(outcome) and not isinstance(outcome, type):
        data = dataclasses.asdict(outcome)
    elif hasattr(outcome, "model_dump"):
        data = outcome.model_dump(mode="json")
    else:
        raise TypeError(f"the runner returned {type(outcome).__name__}, not a result")
    result: dict[str, Any] = _jsonable(data)
    return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
