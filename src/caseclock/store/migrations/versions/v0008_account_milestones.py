"""customer milestones on accounts: milestones, tasks, notes and collaborators

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:30:00

Four new tables; nothing existing changes, so accounts, records and keys come through as they
were, and an account starts with no milestones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_milestones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("plan_key", sa.String(length=64), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("anchor", sa.String(length=20), nullable=False),
        sa.Column("offset", sa.String(length=20), nullable=True),
        sa.Column("after_id", sa.Integer(), nullable=True),
        sa.Column("starts_after_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("moved_from", sa.Date(), nullable=True),
        sa.Column("calendar", sa.String(length=100), nullable=True),
        sa.Column("move_off_closed", sa.Boolean(), nullable=False),
        sa.Column("every", sa.String(length=20), nullable=True),
        sa.Column("first_due_on", sa.Date(), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=50), nullable=True),
        sa.Column("phase_since", sa.Date(), nullable=True),
        sa.Column("phase_until", sa.Date(), nullable=True),
        sa.Column("pin", sa.String(length=50), nullable=True),
        sa.Column("auto_complete", sa.Boolean(), nullable=False),
        sa.Column("reminders", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("next_reminder_at", UTC_DATETIME, nullable=True),
        sa.Column("last_reminded_at", UTC_DATETIME, nullable=True),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        sa.Column("completed_by", sa.String(length=200), nullable=True),
        sa.Column("last_moved_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_milestones_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["after_id"],
            ["account_milestones.id"],
            name=op.f("fk_account_milestones_after_id_account_milestones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["starts_after_id"],
            ["account_milestones.id"],
            name=op.f("fk_account_milestones_starts_after_id_account_milestones"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_milestones")),
    )
    op.create_index(
        "ix_account_milestones_account_id_due_on",
        "account_milestones",
        ["account_id", "due_on"],
        unique=False,
    )
    op.create_index(
        "ix_account_milestones_next_reminder_at",
        "account_milestones",
        ["next_reminder_at"],
        unique=False,
    )
    op.create_index(
        "ix_account_milestones_phase_phase_since",
        "account_milestones",
        ["phase", "phase_since"],
        unique=False,
    )
    op.create_table(
        "account_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("done_at", UTC_DATETIME, nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["account_milestones.id"],
            name=op.f("fk_account_tasks_milestone_id_account_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tasks")),
    )
    op.create_index(
        op.f("ix_account_tasks_milestone_id"), "account_tasks", ["milestone_id"], unique=False
    )
    op.create_table(
        "milestone_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["account_milestones.id"],
            name=op.f("fk_milestone_notes_milestone_id_account_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_notes")),
    )
    op.create_index(
        op.f("ix_milestone_notes_milestone_id"), "milestone_notes", ["milestone_id"], unique=False
    )
    op.create_table(
        "milestone_collaborators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["account_milestones.id"],
            name=op.f("fk_milestone_collaborators_milestone_id_account_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_milestone_collaborators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_collaborators")),
        sa.UniqueConstraint(
            "milestone_id", "user_id", name=op.f("uq_milestone_collaborators_milestone_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_milestone_collaborators_user_id"),
        "milestone_collaborators",
        ["user_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("milestone_collaborators")
    op.drop_table("milestone_notes")
    op.drop_table("account_tasks")
    op.drop_table("account_milestones")
