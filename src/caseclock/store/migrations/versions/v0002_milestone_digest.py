"""milestone row digest: which rows an evaluation changed, without reading them whole

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:03:21.717198
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest", sa.String(length=32), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_column("digest")
