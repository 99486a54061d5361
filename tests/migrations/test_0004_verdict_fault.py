"""Migration 0004 on a database of the previous version: stored outcomes and the verdict events
that streams replay get whose fault they were; an author's grader failure moves to staff."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from feynlab import db
from feynlab.grading.verdicts import Fault, parse_outcome

MIGRATIONS = Path(db.__file__).parent / "migrations"


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = db.engine_for(url)
    return config


def test_old_outcomes_get_their_fault(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(_config(url), "0003")
    old = {
        1: ("submission", {"status": "passed", "score": 1.0, "feedback": "ok"}),
        2: (
            "submission",
            {"status": "infra-error", "feedback": "x", "error": "grader: KeyError()"},
        ),
        3: ("submission", {"status": "infra-error", "feedback": "ours", "error": "sandbox: gone"}),
        4: ("run", {"status": "ok", "output": "1\n"}),
    }
    engine = db.engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, email, name, password_hash, role, created_at)"
                " VALUES (1, 'a@b.c', 'A', 'x', 'learner', '2026-01-01')"
            )
        )
        for sid, (kind, result) in old.items():
            conn.execute(
                sa.text(
                    "INSERT INTO submissions (id, kind, user_id, course, code, state, result, "
                    "round, created_at) VALUES (:id, :kind, 1, 'c', 'x', 'done', :r, 1, "
                    "'2026-01-01')"
                ),
                {"id": sid, "kind": kind, "r": json.dumps(result)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO submission_events (submission_id, seq, type, data, created_at) "
                    "VALUES (:id, 1, 'verdict', :d, '2026-01-01')"
                ),
                {"id": sid, "d": json.dumps({**result, "type": "verdict"})},
            )
    command.upgrade(_config(url), "head")
    with engine.begin() as conn:
        results = dict(conn.execute(sa.text("SELECT id, result FROM submissions")).all())
        shown = dict(
            conn.execute(sa.text("SELECT submission_id, data FROM submission_events")).all()
        )
    outcome = {sid: parse_outcome(json.loads(r), run=sid == 4) for sid, r in results.items()}
    assert [outcome[i].fault for i in (1, 2, 3, 4)] == [
        Fault.learner,
        Fault.author,
        Fault.platform,
        Fault.learner,
    ]
    assert outcome[2].staff and "KeyError" in (outcome[2].staff.grader_traceback or "")
    replayed = json.loads(shown[2])
    assert replayed["fault"] == "author" and "staff" not in replayed and not replayed["error"]
    assert json.loads(shown[4])["kind"] == "run"
