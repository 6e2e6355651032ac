"""insights kept between readings: milestone risk, records changed since, priority
suggestions, handoff summaries

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 21:40:00

Four new tables, nothing existing changes. ``milestone_risks`` holds each open milestone's last
scored risk, indexed so "highest risk first" sorts the whole at-risk queue; ``insight_changes``
the records changed since their insights were worked out (every record with an open milestone
is noted here, so the worker scores them all once); ``priority_suggestions`` the suggestions
and what became of them; ``handoff_summaries`` the summary last written for each record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)
JSON = caseclock.store.types.JSONDocument()


def upgrade() -> None:
    op.create_table(
        "milestone_risks",
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("scored_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_risks_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("milestone_id", name=op.f("pk_milestone_risks")),
    )
    op.create_index(
        "ix_milestone_risks_probability_milestone_id",
        "milestone_risks",
        ["probability", "milestone_id"],
    )
    op.create_index("ix_milestone_risks_scored_at", "milestone_risks", ["scored_at"])
    op.create_index(op.f("ix_milestone_risks_record_id"), "milestone_risks", ["record_id"])
    op.create_table(
        "insight_changes",
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_insight_changes_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_insight_changes")),
    )
    op.create_table(
        "priority_suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("current", sa.String(length=50), nullable=True),
        sa.Column("suggested", sa.String(length=50), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("made_at", UTC_DATETIME, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_at", UTC_DATETIME, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_priority_suggestions_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_suggestions")),
    )
    op.create_index(
        "ix_priority_suggestions_record_id_state",
        "priority_suggestions",
        ["record_id", "state"],
    )
    op.create_table(
        "handoff_summaries",
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("written_at", UTC_DATETIME, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_handoff_summaries_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_handoff_summaries")),
    )
    # every record with an open milestone gets scored once by the worker
    op.execute(
        "INSERT INTO insight_changes (record_id, changed_at) "
        "SELECT DISTINCT record_id, CURRENT_TIMESTAMP FROM milestones WHERE is_open"
    )


def downgrade() -> None:
    op.drop_table("handoff_summaries")
    op.drop_index("ix_priority_suggestions_record_id_state", table_name="priority_suggestions")
    op.drop_table("priority_suggestions")
    op.drop_table("insight_changes")
    op.drop_index(op.f("ix_milestone_risks_record_id"), table_name="milestone_risks")
    op.drop_index("ix_milestone_risks_scored_at", table_name="milestone_risks")
    op.drop_index("ix_milestone_risks_probability_milestone_id", table_name="milestone_risks")
    op.drop_table("milestone_risks")
