"""Rows written the way an older schema took them, for migration tests: plain tables of only
the columns written (the models describe the newest schema, not the one being upgraded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, column, insert, table

from caseclock.store.types import JSONDocument, UTCDateTime

RECORDS = table(
    "records",
    column("id"),
    column("type"),
    column("fields", JSONDocument()),
    column("is_closed"),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
    column("received_at", UTCDateTime()),
    column("event_count"),
)


def add_record(connection: Connection, record_id: str, at: datetime, events: int) -> None:
    """An open case created at ``at`` that counts ``events`` events."""
    connection.execute(
        insert(RECORDS).values(
            id=record_id,
            type="case",
            fields={},
            is_closed=False,
            created_at=at,
            updated_at=at,
            received_at=at,
            event_count=events,
        )
    )
