"""milestone basis and first breach: time left in the milestone's own clock, breaches kept

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:30:00.000000

``basis`` says which clock a milestone counts on (``business`` or ``calendar``); rows written
before it are business-time ones until their record is evaluated again. ``violated_at`` keeps
the first instant a cycle was past a deadline, which an extension no longer erases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("basis", sa.String(length=20), server_default="business", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "violated_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_column("violated_at")
        batch_op.drop_column("basis")
