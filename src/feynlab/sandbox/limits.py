"""The limits of one run: platform defaults from settings, overridden per exercise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # settings (pydantic) are imported when used: the grader host never needs them
    from feynlab.settings import Settings

EXERCISE_KEYS = ("wall_s", "cpu_s", "memory_mb", "pids", "output_kb", "reply_mb")
DEFAULT_REPLY_MB = 64


@dataclass(frozen=True)
class RunLimits:
    wall_s: float
    cpu_s: float
    memory_mb: int
    pids: int
    open_files: int
    file_size_mb: int
    tmpfs_mb: int
    output_kb: int
    reply_mb: int = DEFAULT_REPLY_MB  # the largest answer (one frame) the grader reads back

    @classmethod
    def defaults(cls, settings: Settings | None = None) -> RunLimits:
        from feynlab.settings import get_settings

        s = settings or get_settings()
        return cls(
            wall_s=s.run_wall_s,
            cpu_s=s.run_cpu_s,
            memory_mb=s.run_memory_mb,
            pids=s.run_pids,
            open_files=s.run_open_files,
            file_size_mb=s.run_file_size_mb,
            tmpfs_mb=s.run_tmpfs_mb,
            output_kb=s.run_output_kb,
        )

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> RunLimits:
        """Apply an exercise's ``limits:`` mapping; unknown keys or bad values raise ValueError."""
        if not overrides:
            return self
        known = {f.name: f.type for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in known:
                raise ValueError(f"unknown limit {key!r} (known: {', '.join(EXERCISE_KEYS)})")
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"limit {key} must be a positive number, not {value!r}")
            changes[key] = float(value) if key.endswith("_s") else int(value)
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def output_bytes(self) -> int:
        return self.output_kb * 1024

    @property
    def reply_bytes(self) -> int:
        return self.reply_mb * 1024 * 1024
