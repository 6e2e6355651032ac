"""lifecycle phases by their end: the accounts list's phase filter reads an index it can range

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:40:00

"In adoption today" is ``phase = 'adoption' AND phase_since <= today AND (phase_until > today OR
phase_until IS NULL)``. Nearly every phase began before today, so an index on the start kept
every row of the phase; one on the end ranges over the current ones (and the open-ended ones).
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_account_milestones_phase_phase_since", table_name="account_milestones")
    op.create_index(
        "ix_account_milestones_phase_phase_until",
        "account_milestones",
        ["phase", "phase_until"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_account_milestones_phase_phase_until", table_name="account_milestones")
    op.create_index(
        "ix_account_milestones_phase_phase_since",
        "account_milestones",
        ["phase", "phase_since"],
        unique=False,
    )
