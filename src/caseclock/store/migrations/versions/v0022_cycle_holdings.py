"""who held the clocks, kept per completed milestone cycle

``cycle_analyses`` marks each completed cycle analysed (with its milestone row's digest, so a
changed row is analysed again) and whether it met its success criteria; ``cycle_holdings``
keeps its team and owner holdings and its pauses, so Reports sum a whole period in SQL.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cycle_analyses",
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("milestone", sa.String(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("completed_at", UTC_DATETIME, nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("with_criteria", sa.Boolean(), nullable=False),
        sa.Column("met_criteria", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_cycle_analyses_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "milestone", "cycle", name=op.f("pk_cycle_analyses")),
    )
    op.create_index("ix_cycle_analyses_completed_at", "cycle_analyses", ["completed_at"])
    op.create_table(
        "cycle_holdings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("milestone", sa.String(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("after_reply_seconds", sa.Float(), nullable=True),
        sa.Column("beyond_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_cycle_holdings_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_holdings")),
    )
    op.create_index(
        "ix_cycle_holdings_record_id_milestone_cycle",
        "cycle_holdings",
        ["record_id", "milestone", "cycle"],
    )


def downgrade() -> None:
    op.drop_index("ix_cycle_holdings_record_id_milestone_cycle", table_name="cycle_holdings")
    op.drop_table("cycle_holdings")
    op.drop_index("ix_cycle_analyses_completed_at", table_name="cycle_analyses")
    op.drop_table("cycle_analyses")
