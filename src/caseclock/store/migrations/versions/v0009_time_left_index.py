"""an index per clock for the least-time-left order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:30:00.000000

The at-risk queue's ``sort=time_left`` merges, per clock a milestone counts on (its basis and
calendar), the open rows in deadline order. Without an index led by the clock, each of those
reads scanned every open row in deadline order and threw most away.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(
            "ix_milestones_is_open_basis_calendar_deadline_id",
            ["is_open", "basis", "calendar", "deadline", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_milestones_is_open_basis_calendar_deadline_id")
