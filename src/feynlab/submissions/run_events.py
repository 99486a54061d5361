"""The events of a run's or a submission's stream, as the browser receives them (Server-Sent
Events, each ``data`` one of these): one discriminated union, documented in the OpenAPI schema so
that the front end's types are generated, never written by hand."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from feynlab.grading.verdicts import RunResult, Verdict


class StdoutEvent(BaseModel):
    type: Literal["stdout"]
    text: str


class StderrEvent(BaseModel):
    type: Literal["stderr"]
    text: str


class FigureEvent(BaseModel):
    type: Literal["figure"]
    format: Literal["png"]
    data: str = Field(description="The image, base64 (decoded and re-encoded by the server).")
    width: int
    height: int


class ProgressEvent(BaseModel):
    type: Literal["progress"]
    epoch: int = Field(description="1 for the first epoch.")
    epochs: int | None = None
    batch: int | None = Field(None, description="Within the epoch, while it runs.")
    batches: int | None = None
    logs: dict[str, float | None] = Field(description="Loss and metrics; null where not finite.")


class OutputLimitEvent(BaseModel):
    type: Literal["output-limit"]
    limit_bytes: int


class QueuedEvent(BaseModel):
    type: Literal["queued"]
    position: int = Field(description="Place in the queue, 1 = next.")


class StartedEvent(BaseModel):
    type: Literal["started"]
    attempt: int | None = Field(None, description="2, 3... when run again after our fault.")


class VerdictEvent(Verdict):
    """The last event of a submission's stream: its verdict (without staff details)."""

    type: Literal["verdict"]


class RunResultEvent(RunResult):
    """The last event of a code cell's stream: its result."""

    type: Literal["verdict"]


EndEvent = Annotated[VerdictEvent | RunResultEvent, Field(discriminator="kind")]
RunEvent = Annotated[
    StdoutEvent
    | StderrEvent
    | FigureEvent
    | ProgressEvent
    | OutputLimitEvent
    | QueuedEvent
    | StartedEvent
    | EndEvent,
    Field(discriminator="type"),
]
RUN_EVENT: TypeAdapter[Any] = TypeAdapter(RunEvent)


EVENT_MODELS: tuple[type[BaseModel], ...] = (
    StdoutEvent,
    StderrEvent,
    FigureEvent,
    ProgressEvent,
    OutputLimitEvent,
    QueuedEvent,
    StartedEvent,
    VerdictEvent,
    RunResultEvent,
)


def openapi_components() -> dict[str, Any]:
    """The events' JSON schemas as OpenAPI components, and ``RunEvent``: one of them (the
    browser tells them apart by ``type``, and the last one by ``kind``)."""
    components: dict[str, Any] = {}
    for model in EVENT_MODELS:
        schema = model.model_json_schema(
            mode="serialization", ref_template="#/components/schemas/{model}"
        )
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    components["RunEvent"] = {
        "oneOf": [{"$ref": f"#/components/schemas/{m.__name__}"} for m in EVENT_MODELS],
        "description": "One event of a run's or a submission's stream (text/event-stream).",
    }
    return components
