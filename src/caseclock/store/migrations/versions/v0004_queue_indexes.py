"""queue indexes end with id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:07:34.987874
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_account_id_is_open_deadline"))
        batch_op.drop_index(batch_op.f("ix_milestones_is_open_deadline"))
        batch_op.drop_index(batch_op.f("ix_milestones_is_open_owner_deadline"))
        batch_op.drop_index(batch_op.f("ix_milestones_is_open_team_deadline"))
        batch_op.create_index(
            "ix_milestones_account_id_is_open_deadline_id",
            ["account_id", "is_open", "deadline", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_milestones_is_open_deadline_id", ["is_open", "deadline", "id"], unique=False
        )
        batch_op.create_index(
            "ix_milestones_is_open_owner_deadline_id",
            ["is_open", "owner", "deadline", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_milestones_is_open_team_deadline_id",
            ["is_open", "team", "deadline", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_milestones_is_open_team_deadline_id")
        batch_op.drop_index("ix_milestones_is_open_owner_deadline_id")
        batch_op.drop_index("ix_milestones_is_open_deadline_id")
        batch_op.drop_index("ix_milestones_account_id_is_open_deadline_id")
        batch_op.create_index(
            batch_op.f("ix_milestones_is_open_team_deadline"),
            ["is_open", "team", "deadline"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_milestones_is_open_owner_deadline"),
            ["is_open", "owner", "deadline"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_milestones_is_open_deadline"), ["is_open", "deadline"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_milestones_account_id_is_open_deadline"),
            ["account_id", "is_open", "deadline"],
            unique=False,
        )
