"""milestone reminders: the ledger that sends each customer-milestone reminder once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:40:00

A new table; milestones made before it keep their next reminder and send it through it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "milestone_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("recipients", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["account_milestones.id"],
            name=op.f("fk_milestone_reminders_milestone_id_account_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_reminders")),
        sa.UniqueConstraint(
            "milestone_id",
            "due_on",
            "sequence",
            name=op.f("uq_milestone_reminders_milestone_id_due_on_sequence"),
        ),
    )


def downgrade() -> None:
    op.drop_table("milestone_reminders")
