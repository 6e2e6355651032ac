"""csat answers, signing keys, per-team review schedules

``csat_responses`` keeps each ``csat`` event as a row reports group by team, agent, tier,
milestone and week over an index range of the period; ``signing_keys`` the secret that signs
survey links, shared by every process on the database; ``review_schedules`` a team's own review
schedule, high-priority tiers and accounts, and recipients.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import caseclock.store.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC_DATETIME = caseclock.store.types.UTCDateTime(timezone=True)
JSON = caseclock.store.types.JSONDocument()


def upgrade() -> None:
    op.create_table(
        "csat_responses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("answered_at", UTC_DATETIME, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("tier", sa.String(length=100), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_csat_responses_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_responses")),
        sa.UniqueConstraint(
            "record_id", "event_id", name=op.f("uq_csat_responses_record_id_event_id")
        ),
    )
    op.create_index("ix_csat_responses_answered_at", "csat_responses", ["answered_at"])
    op.create_index("ix_csat_responses_team_answered_at", "csat_responses", ["team", "answered_at"])
    op.create_table(
        "signing_keys",
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "review_schedules",
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("daily_tiers", JSON, nullable=False),
        sa.Column("daily_accounts", JSON, nullable=False),
        sa.Column("recipients", JSON, nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("team", name=op.f("pk_review_schedules")),
    )


def downgrade() -> None:
    op.drop_table("review_schedules")
    op.drop_table("signing_keys")
    op.drop_index("ix_csat_responses_team_answered_at", table_name="csat_responses")
    op.drop_index("ix_csat_responses_answered_at", table_name="csat_responses")
    op.drop_table("csat_responses")
