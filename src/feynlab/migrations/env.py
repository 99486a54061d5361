"""Alembic environment: the URL and engine come from feynlab settings (or the caller)."""

from __future__ import annotations

from alembic import context

import feynlab.models  # noqa: F401  (registers every table on Base.metadata)
from feynlab.db import Base, engine_for
from feynlab.settings import get_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
engine = config.attributes.get("engine") or engine_for(url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
