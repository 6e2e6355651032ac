"""firing holds: records whose firing keeps failing, retried with backoff, then held

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:10:00.000000

A record whose firing raised (a stored value the effects cannot use, a template that fails)
used to fail its whole batch at every pass, so no timer fired any more. Its failures are now
counted here: the worker retries it with backoff and, after the allowed attempts, holds it
(its timers wait) until an admin releases it, while every other record keeps firing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from caseclock.store.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "firing_holds",
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("failed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("retry_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("held_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_firing_holds_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_firing_holds")),
    )


def downgrade() -> None:
    op.drop_table("firing_holds")
