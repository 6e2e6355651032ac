"""calendar versions: editing a calendar adds a version; open records keep theirs (pins)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:40:00.000000

Each calendar gets version 1 (its document as it is) in ``calendar_versions``;
``record_calendar_pins`` holds the open records that keep an earlier version after an edit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_versions",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name=op.f("pk_calendar_versions")),
    )
    op.create_table(
        "record_calendar_pins",
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("calendar", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_calendar_pins_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "calendar", name=op.f("pk_record_calendar_pins")),
    )
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.execute(
        "INSERT INTO calendar_versions (name, version, document, created_at)"
        " SELECT name, 1, document, updated_at FROM calendars"
    )


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("version")
    op.drop_table("record_calendar_pins")
    op.drop_table("calendar_versions")
