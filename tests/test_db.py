"""SQLite under concurrent writers of one process: they take turns, nobody meets "locked"."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from feynlab import db as database


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = database.make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return engine


def test_writers_of_one_process_take_turns_instead_of_failing_locked(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(40):
                with engine.connect() as conn:
                    # No waiting inside SQLite: without turns, a second writer fails at once.
                    conn.execute(text("PRAGMA busy_timeout=0"))
                    conn.execute(text("UPDATE counter SET n = n + 1 WHERE id = 1"))
                    time.sleep(0.001)  # hold the write a little, as a real transaction does
                    conn.execute(text("INSERT INTO counter (n) VALUES (0)"))
                    conn.commit()
        except BaseException as exc:  # collected: a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar() == 8 * 40


def test_a_turn_ends_with_a_rollback_and_readers_never_wait(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    holder = engine.connect()
    holder.execute(text("UPDATE counter SET n = 5 WHERE id = 1"))  # holds the turn
    try:
        with engine.connect() as reader:  # WAL: a reader sees the last commit, at once
            started = time.monotonic()
            assert reader.execute(text("SELECT n FROM counter WHERE id = 1")).scalar() == 0
            assert time.monotonic() - started < 1
        written = threading.Event()

        def second_writer() -> None:
            with engine.connect() as conn:
                conn.execute(text("UPDATE counter SET n = 7 WHERE id = 1"))
                conn.commit()
            written.set()

        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not written.wait(0.3)  # waits for its turn
        holder.rollback()
        assert written.wait(5)  # the rollback handed the turn over
        thread.join()
    finally:
        holder.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar() == 7
