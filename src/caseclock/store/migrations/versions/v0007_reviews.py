"""reviews: review runs claimed once per team and period, leads' marks, milestone indexes

``review_runs`` is unique per (team, cadence, period_start): the claim that makes a digest go
out once per period whatever the number of workers. ``review_marks`` keeps a lead's note on a
milestone for the next review. Indexes per team serve the review's lists as index walks:
milestones by first breach, by completion, by state and deadline; records by last event
(stalled).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("cadence", sa.String(length=20), nullable=False),
        sa.Column("period_start", UTC_DATETIME, nullable=False),
        sa.Column("period_end", UTC_DATETIME, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.Column("lease_until", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_runs")),
        sa.UniqueConstraint(
            "team", "cadence", "period_start", name=op.f("uq_review_runs_team_cadence_period_start")
        ),
    )
    op.create_table(
        "review_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("milestone", sa.String(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_marks")),
    )
    op.create_index("ix_review_marks_team_at", "review_marks", ["team", "at"], unique=False)
    op.create_index(
        "ix_milestones_team_completed_at", "milestones", ["team", "completed_at"], unique=False
    )
    op.create_index(
        "ix_milestones_team_violated_at", "milestones", ["team", "violated_at"], unique=False
    )
    op.create_index(
        "ix_milestones_team_state_deadline",
        "milestones",
        ["team", "state", "deadline"],
        unique=False,
    )
    op.create_index("ix_records_team_updated_at", "records", ["team", "updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_records_team_updated_at", table_name="records")
    op.drop_index("ix_milestones_team_state_deadline", table_name="milestones")
    op.drop_index("ix_milestones_team_violated_at", table_name="milestones")
    op.drop_index("ix_milestones_team_completed_at", table_name="milestones")
    op.drop_index("ix_review_marks_team_at", table_name="review_marks")
    op.drop_table("review_marks")
    op.drop_table("review_runs")
