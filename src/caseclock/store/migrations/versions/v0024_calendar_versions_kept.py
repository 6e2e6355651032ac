"""records keep the calendar versions they count on; each milestone row names its version

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 21:30:00

A calendar edit used to pin every open record to the version it was counting on (a row per
record in ``record_calendar_pins``). Now a record holds the versions it counts on
(``records.calendar_versions``: name -> version, a calendar not named there counts on its
version 1), set when the record is created and changed only by a policy migration, so an edit
writes nothing per record and closed records keep their versions too. Each milestone row
names the version of its calendar (``milestones.calendar_version``), so time left, colours and
the at-risk queue read the version the deadline was counted on; the time-left index ranges
over it.

Upgrading: a pinned record holds its pins; every other record the versions in force (it was
counting on them); a milestone row the version its record counts on for its calendar.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TIME_LEFT = "ix_milestones_is_open_basis_calendar_deadline_id"
TIME_LEFT_VERSIONED = "ix_milestones_is_open_clock_deadline_id"

records = sa.table(
    "records",
    sa.column("id", sa.String()),
    sa.column("calendar_versions", caseclock.store.types.JSONDocument()),
)


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("calendar_versions", caseclock.store.types.JSONDocument(), nullable=True)
        )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_version", sa.Integer(), nullable=True))
        batch_op.drop_index(TIME_LEFT)
        batch_op.create_index(
            TIME_LEFT_VERSIONED,
            ["is_open", "basis", "calendar", "calendar_version", "deadline", "id"],
            unique=False,
        )
    connection = op.get_bind()
    current: dict[str, int] = {
        str(name): int(version)
        for name, version in connection.execute(
            sa.text("SELECT name, version FROM calendars WHERE version > 1")
        ).all()
    }
    pins: dict[str, dict[str, int]] = {}
    for record_id, calendar, version in connection.execute(
        sa.text("SELECT record_id, calendar, version FROM record_calendar_pins")
    ).all():
        pins.setdefault(record_id, {})[calendar] = version
    if current:
        connection.execute(
            records.update()
            .where(~records.c.id.in_(sa.text("SELECT record_id FROM record_calendar_pins")))
            .values(calendar_versions=current)
        )
    for record_id, held in pins.items():
        kept = {name: v for name, v in {**current, **held}.items() if v > 1}
        if kept:
            connection.execute(
                records.update().where(records.c.id == record_id).values(calendar_versions=kept)
            )
    op.execute(
        "UPDATE milestones SET calendar_version = COALESCE("
        " (SELECT p.version FROM record_calendar_pins p"
        "  WHERE p.record_id = milestones.record_id AND p.calendar = milestones.calendar),"
        " (SELECT c.version FROM calendars c WHERE c.name = milestones.calendar), 1)"
        " WHERE calendar IS NOT NULL"
    )
    op.drop_table("record_calendar_pins")


def downgrade() -> None:
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
    connection = op.get_bind()
    current: dict[str, int] = {
        str(name): int(version)
        for name, version in connection.execute(
            sa.text("SELECT name, version FROM calendars")
        ).all()
    }
    held = connection.execute(
        sa.select(records.c.id, records.c.calendar_versions).where(
            sa.text("is_closed = false AND process_key IS NOT NULL")
        )
    ).all()
    pins: list[dict[str, Any]] = []
    for record_id, versions in held:
        for name, newest in current.items():
            version = (versions or {}).get(name, 1)
            if version != newest:
                pins.append({"record_id": record_id, "calendar": name, "version": version})
    if pins:
        table = sa.table(
            "record_calendar_pins",
            sa.column("record_id", sa.String()),
            sa.column("calendar", sa.String()),
            sa.column("version", sa.Integer()),
        )
        connection.execute(table.insert(), pins)
    # Plain ALTER TABLE, not batch mode: on SQLite a batch drop rebuilds the table, and dropping
    # the old ``records`` cascades to every event and milestone that references it.
    op.drop_index(TIME_LEFT_VERSIONED, table_name="milestones")
    op.create_index(
        TIME_LEFT, "milestones", ["is_open", "basis", "calendar", "deadline", "id"], unique=False
    )
    op.drop_column("milestones", "calendar_version")
    op.drop_column("records", "calendar_versions")
