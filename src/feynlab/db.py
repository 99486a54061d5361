"""Database engine, sessions and the declarative base; migrations live in feynlab/migrations."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use feynlab.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class TurnTakingConnection(sqlite3.Connection):
    """A SQLite connection whose writers take turns on a lock of this process first.

    SQLite makes a writer that finds the database locked sleep and retry (1, 2, 5, 10 ... 100 ms),
    so under load writers wait far longer than the writes they wait for, and the grading
    workers sit idle. Here the first write of a transaction waits on a Python lock shared by
    every connection to the same file, handed over the moment the holder commits or rolls back.
    Writers of other processes still meet SQLite's own locking (busy_timeout).
    """

    _locks: ClassVar[dict[str, threading.Lock]] = {}
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()
    WAIT_S: ClassVar[float] = 30.0  # then go on and let SQLite decide (never a deadlock)

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        key = str(Path(database).resolve()) if database != ":memory:" else f"memory-{id(self)}"
        with self._locks_guard:
            self._turn = self._locks.setdefault(key, threading.Lock())
        self._holding = False

    def take_turn(self) -> None:
        if not self._holding:
            self._holding = self._turn.acquire(timeout=self.WAIT_S)

    def _end_turn(self) -> None:
        if self._holding:
            self._holding = False
            self._turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()


def _take_turn_to_write(_conn: object, cursor: Any, statement: str, *_args: object) -> None:
    if statement.lstrip()[:7].upper().startswith(WRITES):
        connection = cursor.connection
        if isinstance(connection, TurnTakingConnection):
            connection.take_turn()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        parsed = make_url(url)
        path = parsed.database or ""
        in_file = path not in ("", ":memory:") and parsed.query.get("mode") != "memory"
        pool: dict[str, Any] = {}
        if in_file:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # A pool as large as the request threads (40) plus workers: a connection made for an
            # overflow and closed after one use costs its opening and pragmas every time. (An
            # in-memory database keeps SQLAlchemy's one connection per thread.)
            pool = {"pool_size": 48, "max_overflow": 16}
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": TurnTakingConnection,
            },
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _take_turn_to_write)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def session_scope(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


def upgrade(url: str) -> None:
    """Apply every migration up to head on the database at ``url``."""
    from alembic import command
    from alembic.config import Config

    here = Path(__file__).parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(here))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["engine"] = engine_for(url)
    command.upgrade(config, "head")
