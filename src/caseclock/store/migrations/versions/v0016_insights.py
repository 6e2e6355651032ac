"""insights: trained breach-risk models with their evaluation, and comment sentiment

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:20:00

Two new tables, nothing existing changes: ``risk_models`` keeps each trained model with the
period it learned from and its evaluation; ``comment_sentiments`` the score of each customer
comment, beside its event. Comments stored before this revision are scored when read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)
JSON = caseclock.store.types.JSONDocument()


def upgrade() -> None:
    op.create_table(
        "risk_models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("trained_at", UTC_DATETIME, nullable=False),
        sa.Column("trained_from", UTC_DATETIME, nullable=False),
        sa.Column("trained_to", UTC_DATETIME, nullable=False),
        sa.Column("tested_to", UTC_DATETIME, nullable=True),
        sa.Column("closed_milestones", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("model", JSON, nullable=False),
        sa.Column("evaluation", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_models")),
    )
    op.create_table(
        "comment_sentiments",
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", UTC_DATETIME, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("drivers", JSON, nullable=False),
        sa.Column("cues", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["events.seq"],
            name=op.f("fk_comment_sentiments_event_seq_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_comment_sentiments_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_seq", name=op.f("pk_comment_sentiments")),
    )
    op.create_index(
        "ix_comment_sentiments_record_id_occurred_at",
        "comment_sentiments",
        ["record_id", "occurred_at"],
    )
    op.create_index(op.f("ix_comment_sentiments_account_id"), "comment_sentiments", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_comment_sentiments_account_id"), table_name="comment_sentiments")
    op.drop_index("ix_comment_sentiments_record_id_occurred_at", table_name="comment_sentiments")
    op.drop_table("comment_sentiments")
    op.drop_table("risk_models")
