"""policy migrations: open records moved to new process versions, decided cycles kept

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:30:00.000000

``policy_migrations`` records each migration (its targets, criteria, the preview's summary and
a cursor, so an interrupted one resumes). ``milestones.kept_version`` is set on a cycle a
migration found decided: the version it ran under, and evaluations leave the row as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_migrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("targets", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("summary", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("cursor", sa.String(length=200), nullable=True),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("finished_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_migrations")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kept_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_column("kept_version")
    op.drop_table("policy_migrations")
