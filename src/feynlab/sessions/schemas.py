"""A learner's lesson session and cells as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

EndReason = Literal[
    "restart",
    "idle",
    "cpu",
    "memory",
    "cell-timeout",
    "max-life",
    "output-limit",
    "protocol",
    "crash",
    "evicted",
    "other-lesson",
    "server-restart",
    "platform",
]


class CellOutput(BaseModel):
    """One output of a cell, in the order it came (like a notebook's outputs)."""

    type: Literal["stream", "figure", "result", "error", "note"] = Field(
        description="stream: printed text; figure: a PNG plot; result: the value of the cell's "
        "last expression; error: the traceback; note: a message of the platform."
    )
    name: Literal["stdout", "stderr"] | None = Field(None, description="Streams only.")
    text: str | None = None
    data: str | None = Field(None, description="Figures only: the PNG, base64.")
    width: int | None = None
    height: int | None = None


class LessonCellRead(BaseModel):
    index: int = Field(description="The cell's place in the lesson, from 0.")
    code: str | None = Field(
        None, description="The learner's code for this cell; null: the lesson's own code."
    )
    outputs: list[CellOutput] = []
    status: Literal["ok", "error", "ended"] | None = Field(
        None,
        description="Of the cell's last run: ok, error (an exception), ended (the session "
        "ended during it); null: never run.",
    )
    execution_count: int | None = Field(None, description="The run's number in its session.")
    ran_at: datetime | None = None
    in_session: bool = Field(
        False, description="The cell has run in the live session (its variables are there)."
    )
    requires: list[int] = Field(
        [], description="Cells (indexes) that must have run in the session before this one."
    )


class SessionEnd(BaseModel):
    reason: EndReason
    message: str = Field(description="What happened and what it means, for the learner.")
    at: datetime | None = None


class SessionState(BaseModel):
    available: bool = Field(
        description="false: this server runs each cell on its own (see `unavailable`)."
    )
    unavailable: str | None = Field(None, description="Why live sessions are not available.")
    live: bool = Field(description="A session process is running for this lesson.")
    started_at: datetime | None = None
    cells_run: int = 0
    cpu_s: float | None = Field(None, description="CPU time the session has used, seconds.")
    memory_mb: float | None = Field(None, description="Memory the session holds now, MiB.")
    cpu_limit_s: float
    memory_limit_mb: int
    idle_limit_s: float
    cell_wall_s: float
    ended: SessionEnd | None = Field(
        None, description="The last session of this lesson ended since its cells ran."
    )


class LessonSessionRead(SessionState):
    cells: list[LessonCellRead]


class CellRun(BaseModel):
    code: str = Field(description="The cell's code as the learner edited it.")


class CellSave(BaseModel):
    code: str | None = Field(description="The edited code; null goes back to the lesson's.")


class TrainingProgress(BaseModel):
    epoch: int | None = None
    epochs: int | None = None
    batch: int | None = None
    batches: int | None = None
    logs: dict[str, float | None] = {}


class RunningCellRead(BaseModel):
    """The cell running now in the caller's session of the lesson, as far as it got."""

    index: int | None = Field(None, description="null: no cell is running.")
    elapsed_s: float = 0.0
    output: str = Field("", description="What it printed so far (the last 16,000 characters).")
    progress: TrainingProgress | None = Field(None, description="Keras `fit`: the latest epoch.")


class CellRunRead(BaseModel):
    cell: LessonCellRead
    session: SessionState
