"""inbound payloads: webhook deliveries that could not be mapped, kept for inspection

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_payloads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("headers", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_payloads")),
        sa.UniqueConstraint(
            "source", "delivery_id", name=op.f("uq_inbound_payloads_source_delivery_id")
        ),
    )
    op.create_index(
        op.f("ix_inbound_payloads_received_at"), "inbound_payloads", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_payloads_received_at"), table_name="inbound_payloads")
    op.drop_table("inbound_payloads")
