"""What the store can hold, checked before anything is written.

An event's text that lands in a record, task or note column must fit the column (PostgreSQL
refuses longer text, SQLite would keep it), and its instants must lie in years the store and
the calendar arithmetic handle: a deadline past year 9999 cannot be computed, nor one before
year 1 stored. The window kept, 1900 to 2999, is wider than any support history and leaves
room for the longest duration a policy may hold (100 years, ``core.durations``) on either
side. Each failure is a ``data.field: message`` line, as event validation writes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String

from caseclock.core.events import Event, EventType, OverrideData, TaskData
from caseclock.core.record_fields import COLUMNS
from caseclock.store.models import NoteRow, RecordRow, TaskRow

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)

# The data keys each event type copies into a column, with the column.
_STATUS = {"status": RecordRow.status}
_TARGETS: dict[EventType, dict[str, Any]] = {
    EventType.CREATED: {
        name: getattr(RecordRow, "account_id" if name == "account" else name) for name in COLUMNS
    },
    EventType.STATUS: _STATUS,
    EventType.CLOSED: _STATUS,
    EventType.REOPENED: _STATUS,
    EventType.PRIORITY: {"priority": RecordRow.priority},
    EventType.OWNER: {"owner": RecordRow.owner, "team": RecordRow.team},
    EventType.TASK: {"title": TaskRow.title, "assignee": TaskRow.assignee},
    EventType.NOTE: {"author": NoteRow.author},
}


def unstorable(event: Event) -> str | None:
    """Why the store cannot keep ``event`` (its first reason), or None when it can."""
    instants: dict[str, datetime | None] = {"at": event.at}
    if event.type in (EventType.TASK, EventType.OVERRIDE):  # data validated again: only these
        payload = event.payload()
        if isinstance(payload, TaskData):
            instants["data.due"] = payload.due
        elif isinstance(payload, OverrideData):
            instants["data.pause_until"] = payload.pause_until
    for path, instant in instants.items():
        if instant is not None and not EARLIEST <= instant < LATEST:
            return f"{path}: give an instant from {EARLIEST.year} to {LATEST.year - 1}"
    lengths = _LENGTHS.get(event.type, {})
    if event.type is EventType.FIELD and event.data.get("field") in COLUMNS:
        column = _LENGTHS[EventType.CREATED].get(str(event.data["field"]))
        lengths = {} if column is None else {"value": column}
    for key, length in lengths.items():
        value = event.data.get(key)
        if value is not None and len(str(value)) > length:
            return f"data.{key}: at most {length} characters"
    return None


# The same, as the columns' lengths (read once: a column's type is a lookup away).
_LENGTHS: dict[EventType, dict[str, int]] = {
    kind: {
        key: column.type.length
        for key, column in columns.items()
        if isinstance(column.type, String) and column.type.length is not None
    }
    for kind, columns in _TARGETS.items()
}
