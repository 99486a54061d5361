"""verdict fault and exercise spec: whose fault each stored outcome was; the exercise (and test
view) a submission is graded with

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Stored outcomes get the contract's ``kind`` and ``fault`` fields: an infra-error whose error said
``grader: ...`` was the author's (its text moves to the staff details), any other infra-error was
the platform's, everything else the learner's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

submissions = sa.table(
    "submissions",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("result", sa.JSON()),
)
events = sa.table(
    "submission_events",
    sa.column("id", sa.Integer()),
    sa.column("submission_id", sa.Integer()),
    sa.column("type", sa.String()),
    sa.column("data", sa.JSON()),
)


def _with_fault(kind: str, result: dict) -> dict:
    outcome = dict(result)
    outcome["kind"] = "run" if kind == "run" else "verdict"
    if outcome.get("status") != "infra-error":
        outcome["fault"] = "learner"
        return outcome
    error = str(outcome.get("error") or "")
    if kind != "run" and error.startswith("grader:"):
        outcome["fault"] = "author"
        outcome["error"] = None
        outcome["staff"] = {"grader_traceback": error.removeprefix("grader:").strip()}
    else:
        outcome["fault"] = "platform"
    return outcome


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("exercise_spec", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("view_seed", sa.BigInteger(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(submissions.c.id, submissions.c.kind, submissions.c.result).where(
            submissions.c.result.is_not(None)
        )
    ).all()
    kinds = {}
    for sid, kind, result in rows:
        kinds[sid] = kind
        if isinstance(result, dict) and "fault" not in result:
            conn.execute(
                submissions.update()
                .where(submissions.c.id == sid)
                .values(result=_with_fault(kind, result))
            )
    # The verdict events that streams replay: the same fields, without the staff details.
    stored = conn.execute(
        sa.select(events.c.id, events.c.submission_id, events.c.data).where(
            events.c.type == "verdict"
        )
    ).all()
    for eid, sid, data in stored:
        if isinstance(data, dict) and "fault" not in data:
            shown = _with_fault(kinds.get(sid, "submission"), data)
            shown.pop("staff", None)
            conn.execute(events.update().where(events.c.id == eid).values(data=shown))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("view_seed")
        batch.drop_column("exercise_spec")
