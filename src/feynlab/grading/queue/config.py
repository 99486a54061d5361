"""Knobs of the grading queue beyond those in ``feynlab.settings`` (same ``FEYNLAB_`` prefix)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class QueueSettings(BaseSettings):
    """Queue tuning; each field is ``FEYNLAB_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="FEYNLAB_", extra="ignore")

    job_lease_s: float = Field(
        30.0,
        gt=0,
        description="A running job whose worker has not reported for this long is run again.",
    )
    job_max_attempts: int = Field(
        3,
        ge=1,
        description="Starts of one job (worker deaths, platform faults) before infra-error.",
    )
    visibility_timeout_s: int = Field(
        7200,
        description="Celery: seconds a worker may hold a job unacknowledged (Redis's visibility "
        "timeout, RabbitMQ's x-consumer-timeout); must exceed the longest job.",
    )
    celery_queue: str = Field(
        "feynlab-grading", description="Celery: the broker queue grading jobs are announced on."
    )
    runs_per_minute: int = Field(30, description="Code-cell runs a learner may start per minute.")
    event_poll_s: float = Field(
        0.1, gt=0, description="How often an event stream checks for events from other processes."
    )
    idle_poll_s: float = Field(
        1.0, gt=0, description="How often an idle worker looks for work it was not told about."
    )
    runner_factory: str = Field(
        "feynlab.grading.queue.runners:sandbox_runner",
        description="module:function building the Runner from settings (tests and clusters).",
    )
