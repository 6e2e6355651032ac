"""customer milestones on the engine: a team and actions per milestone, and stored plans

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 21:40:00

``account_milestones.team`` is the team a milestone's "team" reminders and board rows go to:
existing milestones get their owner's first team by name (what "team" meant before), new ones
the team chosen, by default the same. ``account_milestones.actions`` holds its warning /
violation / success actions (null: the default ones). ``plans`` holds the plans an installation
made. Milestones made before this migration go on the engine at the worker's first look (or by
``caseclock milestone sync``). On PostgreSQL the phase index also carries each row's start and
account, so "in adoption today" is read from the index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("account_milestones") as batch:
        batch.add_column(sa.Column("team", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("actions", caseclock.store.types.JSONDocument(), nullable=True))
    op.execute(
        "UPDATE account_milestones SET team = ("
        " SELECT teams.name FROM teams"
        " JOIN team_members ON team_members.team_id = teams.id"
        " JOIN users ON users.id = team_members.user_id"
        " WHERE users.handle = account_milestones.owner ORDER BY teams.name LIMIT 1)"
        " WHERE team IS NULL AND owner IS NOT NULL"
    )
    op.create_table(
        "plans",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("document", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_plans")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_account_milestones_phase_phase_until", table_name="account_milestones")
        op.create_index(
            "ix_account_milestones_phase_phase_until",
            "account_milestones",
            ["phase", "phase_until"],
            unique=False,
            postgresql_include=["phase_since", "account_id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_account_milestones_phase_phase_until", table_name="account_milestones")
        op.create_index(
            "ix_account_milestones_phase_phase_until",
            "account_milestones",
            ["phase", "phase_until"],
            unique=False,
        )
    op.drop_table("plans")
    # Plain ALTER TABLE, not batch mode: on SQLite a batch drop rebuilds account_milestones,
    # and dropping the old table cascades to its tasks, notes, collaborators and reminders.
    op.drop_column("account_milestones", "actions")
    op.drop_column("account_milestones", "team")
