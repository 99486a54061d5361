"""Every knob of Feynlab, read from the environment (``FEYNLAB_*``) in one typed class."""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-key-not-for-production"}
DEV_SECRET = "dev-secret-key-not-for-production"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Feynlab's configuration; each field is ``FEYNLAB_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="FEYNLAB_", extra="ignore")

    env: Environment = Field(
        Environment.development,
        description="development (demo accounts, insecure cookies allowed), test, or production.",
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Keys the digests of session tokens stored in the database (changing it "
        "logs everyone out); must be set outside development.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db "
        "(default: SQLite in var_dir/feynlab.db).",
    )
    courses_dir: Path = Field(
        REPO_ROOT / "courses", description="Folder holding one folder per course."
    )
    data_dir: Path = Field(
        REPO_ROOT / "var" / "data", description="Datasets provisioned by `feynlab datasets fetch`."
    )
    var_dir: Path = Field(
        REPO_ROOT / "var",
        description="Runtime files: the default SQLite database (when FEYNLAB_DATABASE_URL is "
        "not set) and a Celery worker's liveness file.",
    )
    frontend_dir: Path = Field(
        REPO_ROOT / "frontend" / "dist", description="The built front end served at /."
    )
    session_days: int = Field(14, description="Days a login session stays valid.")
    login_max_failures: int = Field(
        5, description="Failed logins per account or address before logins are slowed down."
    )
    login_window_s: int = Field(900, description="Window over which failed logins are counted.")
    login_lockout_s: int = Field(60, description="Wait imposed once too many logins failed.")
    login_address_delay_s: float = Field(
        1.0, description="Extra wait per login past the limit from one address (never a lockout)."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.",
    )
    signups_per_hour: int = Field(10, description="Sign-ups one address may make per hour.")
    max_body_kb: int = Field(
        1024, description="Largest request body, KiB (authoring file saves may send more)."
    )
    max_authoring_body_kb: int = Field(
        8192, description="Largest request body of the authoring routes (figures), KiB."
    )
    header_timeout_s: float = Field(
        10.0, description="A client must send its request headers within this many seconds."
    )
    streams_per_user: int = Field(8, description="Event streams one user may hold open at once.")
    instructors_edit_graders: bool = Field(
        False,
        description="Let instructors (not only admins) change grader.py and other trusted "
        "code of exercises through the browser.",
    )
    create_demo_users: bool | None = Field(
        None, description="Create the demo learner and instructor (default: in development)."
    )
    # grading queue
    queue: Literal["embedded", "celery"] = Field(
        "embedded", description="embedded (worker pool inside `feynlab serve`) or celery."
    )
    broker_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Celery broker (Redis or RabbitMQ) for queue=celery.",
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        description="Concurrent runs per process (one per core by default).",
    )
    max_code_bytes: int = Field(100_000, description="Largest accepted submission or code cell.")
    submissions_per_minute: int = Field(
        10, description="Submissions a learner may make per minute."
    )
    max_running_per_learner: int = Field(
        2, description="Jobs a learner may have queued or running."
    )
    job_lease_s: float = Field(
        30.0,
        gt=0,
        description="A running job whose worker has not reported for this long is run again.",
    )
    job_max_attempts: int = Field(
        3,
        ge=1,
        description="Starts of one job (worker deaths, platform faults) before it is stored as "
        "a platform fault, not counted.",
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
    course_refresh_s: float = Field(
        2.0,
        ge=0,
        description="How often a web process compares its course index with the database (to "
        "see a change another replica made).",
    )
    # sandbox defaults (an exercise may override)
    unsafe_no_sandbox: bool = Field(
        False, description="Run learner code WITHOUT isolation where namespaces are unavailable."
    )
    run_wall_s: float = Field(30.0, description="Default wall-clock limit of a run, seconds.")
    run_cpu_s: float = Field(60.0, description="Default CPU-time limit of a run, seconds.")
    run_memory_mb: int = Field(2048, description="Default memory limit of a run, MiB.")
    run_pids: int = Field(64, description="Default limit on processes and threads of a run.")
    run_open_files: int = Field(256, description="Default limit on open files of a run.")
    run_file_size_mb: int = Field(64, description="Largest file a run may write, MiB.")
    run_tmpfs_mb: int = Field(128, description="Size of a run's private writable directory, MiB.")
    run_output_kb: int = Field(256, description="Output a run may print before it is cut, KiB.")
    sandbox_uid: int = Field(
        65534, description="Host user (and group) the sandbox runs as when Feynlab runs as root."
    )
    zygote_max_runs: int = Field(
        10_000,
        description="Runs after which a zygote is recycled in the background (a start costs "
        "about 4-5 s of CPU: at every 500 runs it was a quarter of the CPU of a quick grading).",
    )
    zygote_max_rss_mb: int = Field(3072, description="Zygote memory after which it is recycled.")
    # live lesson sessions (docs/operations.md, "Lesson sessions")
    cell_session_idle_s: float = Field(
        600.0, gt=0, description="A lesson session unused this long (seconds) is ended."
    )
    cell_session_cpu_s: float = Field(
        600.0, gt=0, description="CPU time one lesson session may use over its whole life, s."
    )
    cell_session_memory_mb: int = Field(
        2048, gt=0, description="Memory one lesson session's process may hold, MiB."
    )
    cell_session_cell_wall_s: float = Field(
        120.0, gt=0, description="Wall-clock limit of one cell; past it the session is ended."
    )
    cell_session_max_life_s: float = Field(
        4 * 3600.0, gt=0, description="A lesson session is ended after this long, used or not."
    )
    cell_sessions_max: int = Field(
        8,
        ge=0,
        description="Live lesson sessions this process holds at once (each a sandboxed process "
        "with its own cgroup slot); 0 turns live sessions off (each cell runs on its own).",
    )
    cell_sessions_per_learner: int = Field(
        2, ge=1, description="Live lesson sessions one learner may hold (in different lessons)."
    )
    # LTI 1.3 (docs/lti.md)
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Feynlab's address as browsers and LMSs reach it (LTI launch and key URLs).",
    )
    lti_score_interval_s: float = Field(
        0.25, gt=0, description="How often waiting LTI scores are sent to their LMS."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'feynlab.db'}"
        return self

    @model_validator(mode="after")
    def _secret_outside_development(self) -> Settings:
        if self.env == Environment.production and self.secret_key.strip() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "FEYNLAB_SECRET_KEY is missing or a placeholder. Outside development Feynlab "
                "needs a real secret: set FEYNLAB_SECRET_KEY to e.g. the output of "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.'
            )
        return self

    @property
    def is_development(self) -> bool:
        return self.env == Environment.development

    @property
    def demo_users(self) -> bool:
        return self.is_development if self.create_demo_users is None else self.create_demo_users


@lru_cache
def get_settings() -> Settings:
    return Settings()
