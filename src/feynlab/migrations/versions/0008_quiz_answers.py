"""quiz_answers: whether the answer was revealed (a quiz allows one retry before the right
choices and every choice's `why` are shown)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_answers") as batch:
        batch.add_column(
            sa.Column("revealed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Answers given before retries existed were shown the right choices at once.
    op.execute("UPDATE quiz_answers SET revealed = true")


def downgrade() -> None:
    with op.batch_alter_table("quiz_answers") as batch:
        batch.drop_column("revealed")
