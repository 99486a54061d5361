"""A problem found in a course folder: which file, which line, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake of a course author; ``file`` is relative to the course folder."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Problem:
        line = data.get("line")
        return cls(
            file=str(data["file"]),
            line=int(line) if isinstance(line, int) else None,
            message=str(data["message"]),
        )
