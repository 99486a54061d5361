"""Migration 0008 on a database of the previous version: answers given before retries existed
count as revealed (they were shown the right choices at once); new answers start unrevealed;
the migration goes back down."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from feynlab import db

MIGRATIONS = Path(db.__file__).parent / "migrations"


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = db.engine_for(url)
    return config


def _answer(conn: sa.Connection, quiz: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO quiz_answers (user_id, course, lesson, quiz, choices, correct, "
            "ever_correct, attempts, answered_at) VALUES (1, 'c', 'l', :q, '[0]', false, false, "
            "1, '2026-01-01')"
        ),
        {"q": quiz},
    )


def test_old_answers_are_revealed_new_ones_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(_config(url), "0007")
    engine = db.engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, name, password_hash, role, created_at)"
                " VALUES (1, 'a@b.c', 'A', 'x', 'learner', '2026-01-01')"
            )
        )
        _answer(conn, "old")
    command.upgrade(_config(url), "0008")
    with engine.begin() as conn:
        _answer(conn, "new")
        rows = dict(conn.execute(sa.text("SELECT quiz, revealed FROM quiz_answers")).all())
    assert {quiz: bool(revealed) for quiz, revealed in rows.items()} == {"old": True, "new": False}
    command.downgrade(_config(url), "0007")
    with engine.begin() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("quiz_answers")}
    assert "revealed" not in columns and "attempts" in columns
