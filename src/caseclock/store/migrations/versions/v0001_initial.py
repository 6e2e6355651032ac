"""initial schema: policy, customers, records, events, milestones, keys

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 19:42:53.984074
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("tier", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("fields", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("accounts", caseclock.store.types.JSONDocument(), nullable=True),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "calendars",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("document", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_calendars")),
    )
    op.create_table(
        "entitlement_rule_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlement_rule_sets")),
    )
    op.create_table(
        "processes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("document", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_processes_key_version")),
    )
    op.create_table(
        "assets",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_assets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assets_account_id"), ["account_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)

    op.create_table(
        "entitlements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("contact_id", sa.String(length=200), nullable=True),
        sa.Column("asset_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_entitlements_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_entitlements_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_entitlements_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlements")),
    )
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entitlements_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "records",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.String(length=50), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("tier", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("fields", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("is_closed", sa.Boolean(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=True),
        sa.Column("process_version", sa.Integer(), nullable=True),
        sa.Column("entitlement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entitlement_id"],
            ["entitlements.id"],
            name=op.f("fk_records_entitlement_id_entitlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_account_id_updated_at", ["account_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_records_owner", ["owner"], unique=False)
        batch_op.create_index("ix_records_process_key", ["process_key"], unique=False)
        batch_op.create_index("ix_records_team", ["team"], unique=False)

    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("occurred_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", caseclock.store.types.JSONDocument(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_events_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint("record_id", "event_id", name=op.f("uq_events_record_id_event_id")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_record_id_occurred_at", ["record_id", "occurred_at"], unique=False
        )

    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("calendar", sa.String(length=100), nullable=True),
        sa.Column("started_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("warning_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("target_seconds", sa.Float(), nullable=True),
        sa.Column("elapsed_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.Column("remaining_seconds", sa.Float(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("timers", caseclock.store.types.JSONDocument(), nullable=False),
        sa.Column("next_timer_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_timer_kind", sa.String(length=20), nullable=True),
        sa.Column("evaluated_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_milestones_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint(
            "record_id", "key", "cycle", name=op.f("uq_milestones_record_id_key_cycle")
        ),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(
            "ix_milestones_account_id_is_open_deadline",
            ["account_id", "is_open", "deadline"],
            unique=False,
        )
        batch_op.create_index(
            "ix_milestones_is_open_deadline", ["is_open", "deadline"], unique=False
        )
        batch_op.create_index(
            "ix_milestones_is_open_owner_deadline", ["is_open", "owner", "deadline"], unique=False
        )
        batch_op.create_index(
            "ix_milestones_is_open_team_deadline", ["is_open", "team", "deadline"], unique=False
        )
        batch_op.create_index("ix_milestones_next_timer_at", ["next_timer_at"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["events.seq"],
            name=op.f("fk_notes_event_seq_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_notes_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
        sa.UniqueConstraint("event_seq", name=op.f("uq_notes_event_seq")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_record_id"), ["record_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("due_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", caseclock.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["events.seq"],
            name=op.f("fk_tasks_event_seq_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_tasks_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("event_seq", name=op.f("uq_tasks_event_seq")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_record_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_record_id"))

    op.drop_table("notes")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_milestones_next_timer_at")
        batch_op.drop_index("ix_milestones_is_open_team_deadline")
        batch_op.drop_index("ix_milestones_is_open_owner_deadline")
        batch_op.drop_index("ix_milestones_is_open_deadline")
        batch_op.drop_index("ix_milestones_account_id_is_open_deadline")

    op.drop_table("milestones")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_record_id_occurred_at")

    op.drop_table("events")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_team")
        batch_op.drop_index("ix_records_process_key")
        batch_op.drop_index("ix_records_owner")
        batch_op.drop_index("ix_records_account_id_updated_at")

    op.drop_table("records")
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entitlements_account_id"))

    op.drop_table("entitlements")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_account_id"))

    op.drop_table("assets")
    op.drop_table("processes")
    op.drop_table("entitlement_rule_sets")
    op.drop_table("calendars")
    op.drop_table("api_keys")
    op.drop_table("accounts")
