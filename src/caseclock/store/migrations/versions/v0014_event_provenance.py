"""event provenance: each event keeps where it came from (source) and who sent it (actor)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:15:00.000000

Events stored before this revision get their source from what their id told until now:
``cc-...`` ids were written by caseclock's own actions (``worker``), ``console-<32 hex>`` ids
by the console's forms; every other event came through the API. Their actor is unknown (null).

The column is added with a default that fills the existing rows in one step (no rewrite of
the table). PostgreSQL then drops the default, so a writer that forgets the source fails. A
SQLite table cannot lose a column default without being rebuilt, and rebuilding ``events``
would empty ``tasks`` and ``notes`` through their ``ON DELETE CASCADE``: there the default
stays, unused (every writer goes through ingestion, which sets the source).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BACKFILL = (
    "UPDATE events SET source = 'worker' WHERE substr(event_id, 1, 3) = 'cc-'",
    "UPDATE events SET source = 'console' WHERE substr(event_id, 1, 8) = 'console-'"
    " AND length(event_id) = 40",
)


def upgrade() -> None:
    op.add_column(
        "events", sa.Column("source", sa.String(length=60), server_default="api", nullable=False)
    )
    op.add_column("events", sa.Column("actor", sa.String(length=200), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("events", "source", server_default=None)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN, not a batch rebuild, for the same reason (SQLite >= 3.35)
    op.drop_column("events", "actor")
    op.drop_column("events", "source")
