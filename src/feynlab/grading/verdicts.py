"""Run results (code cells) and verdicts (graded submissions), as the dev guide defines them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

RunStatus = Literal["ok", "error", "timeout", "memory", "output-limit", "infra-error"]
VerdictStatus = Literal[
    "passed", "failed", "error", "timeout", "memory", "output-limit", "infra-error"
]


@dataclass
class Resources:
    cpu_s: float = 0.0
    max_rss_mb: float = 0.0


@dataclass
class RunResult:
    status: RunStatus
    output: str = ""
    error: str | None = None
    duration_s: float = 0.0
    resources: Resources = field(default_factory=Resources)
    seed: int | None = None
    first_output_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Verdict:
    status: VerdictStatus
    score: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    feedback: str = ""
    output: str = ""
    error: str | None = None
    duration_s: float = 0.0
    resources: Resources = field(default_factory=Resources)
    seed: int | None = None
    artifacts: dict[str, Any] = field(default_factory=dict)

    @property
    def counts_against_learner(self) -> bool:
        return self.status != "infra-error"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
