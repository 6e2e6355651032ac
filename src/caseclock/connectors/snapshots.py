"""A record's rows, in order, turned into events (the API's envelope, ``core.events``).

**Snapshot exports** (one row per update, each repeating every field with its current value:
audit exports, BI extracts) are diffed: the record's first row is its ``created`` event with
every field it has; each later row yields an event per change against the row before it,
``status`` and ``priority`` for those fields, one ``owner`` event for the owner and team
together, and a ``field`` event for any other field (a blank value clears it). A status or
priority cannot be cleared, so a blank one is no change. A row repeating the one before it at
the same instant is a duplicate and skipped; one at a later instant without a change yields
nothing.

**Event exports** (one row per event) map directly: the row's type, and the data that type
takes from the row's fields and data columns (``created`` takes every field).

Event ids are deterministic, so importing the same file again stores nothing twice: the
source's own event id when the mapping names one, otherwise a digest of what the event says
(its instant, type and data). The created event of a snapshot record is ``import:created``,
so a later export that starts after the first one still names the same record's birth.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import JsonValue

from caseclock.connectors.mapping import ImportMapping, Problem, Row, RowError
from caseclock.core.events import DATA_MODELS, EventType

CREATED_ID = "import:created"
_CLEARABLE_NOT = ("status", "priority")  # a blank one is no change
_OWNERSHIP = ("owner", "team")


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """An event to store, with the file line it came from (for the report of refusals)."""

    line: int
    event: dict[str, Any]  # id, record, type, at (aware datetime), data
    actor: str | None = None  # who made the change, when the export says

    @property
    def record(self) -> str:
        return str(self.event["record"])


def record_events(
    mapping: ImportMapping, rows: Sequence[Row]
) -> tuple[list[PlannedEvent], list[RowError]]:
    """The events of one record's rows, which come sorted by instant then line."""
    if mapping.shape == "snapshot":
        return diff_snapshots(rows)
    return map_events(rows)


def diff_snapshots(rows: Sequence[Row]) -> tuple[list[PlannedEvent], list[RowError]]:
    """Diff one record's snapshot rows (sorted by instant, then line) into events."""
    planned: list[PlannedEvent] = []
    skipped: list[RowError] = []
    previous: Row | None = None
    state: dict[str, JsonValue] = {}
    for row in rows:
        if previous is None:
            data = {k: v for k, v in row.fields.items() if v is not None}
            planned.append(_planned(row, EventType.CREATED, data, CREATED_ID))
            state = dict(row.fields)
        elif row.at == previous.at and row.fields == previous.fields:
            skipped.append(RowError(row.line, Problem.DUPLICATE, f"repeats line {previous.line}"))
            continue
        else:
            planned.extend(_changes(row, state))
        previous = row
    return planned, skipped


def _changes(row: Row, state: dict[str, JsonValue]) -> Iterator[PlannedEvent]:
    """The events that take ``state`` to ``row``'s values; ``state`` is updated."""
    owner: dict[str, JsonValue] = {}
    for name, value in row.fields.items():
        if value == state.get(name) or (value is None and name in _CLEARABLE_NOT):
            continue
        state[name] = value
        if name in _OWNERSHIP:
            owner[name] = value
        elif name == "status":
            yield _planned(row, EventType.STATUS, {"status": value})
        elif name == "priority":
            yield _planned(row, EventType.PRIORITY, {"priority": value})
        else:
            yield _planned(row, EventType.FIELD, {"field": name, "value": value})
    if owner:
        yield _planned(row, EventType.OWNER, owner)


def snapshot_events(
    record: str,
    at: datetime,
    fields: Mapping[str, JsonValue],
    previous: Mapping[str, JsonValue] | None,
    created_id: str,
) -> list[dict[str, Any]]:
    """A record's fields at ``at`` as events: its ``created`` event (id ``created_id``) when
    there is no ``previous`` state, else one event per change against it, as rows of a
    snapshot export are diffed (a webhook that sends the whole ticket)."""
    row = Row(0, record, at, dict(fields))
    if previous is None:
        data = {k: v for k, v in fields.items() if v is not None}
        return [_planned(row, EventType.CREATED, data, created_id).event]
    return [p.event for p in _changes(row, dict(previous))]


_ACCEPTS: dict[EventType, frozenset[str] | None] = {
    kind: None if kind is EventType.CREATED else frozenset(model.model_fields)
    for kind, model in DATA_MODELS.items()
}


def map_events(rows: Sequence[Row]) -> tuple[list[PlannedEvent], list[RowError]]:
    """One event per row of an events-shaped export (rows read with a ``type``)."""
    planned = []
    for row in rows:
        kind = EventType(row.type or "")
        accepts = _ACCEPTS[kind]
        data: dict[str, JsonValue]
        if accepts is None:
            data = {k: v for k, v in {**row.data, **row.fields}.items() if v is not None}
        else:
            given = {**row.fields, **row.data}
            data = {
                k: v
                for k, v in given.items()
                if k in accepts and (v is not None or (kind is EventType.FIELD and k == "value"))
            }
        planned.append(_planned(row, kind, data, row.source_id))
    return planned, []


def _planned(
    row: Row, kind: EventType, data: Mapping[str, JsonValue], event_id: str | None = None
) -> PlannedEvent:
    return PlannedEvent(
        row.line,
        {
            "id": event_id or derived_id(row.at, kind, data),
            "record": row.record,
            "type": str(kind),
            "at": row.at,
            "data": dict(data),
        },
        row.actor,
    )


def derived_id(at: datetime, kind: EventType, data: Mapping[str, JsonValue]) -> str:
    """``import:<digest>`` of what the event says: the same change at the same instant is the
    same event, whichever line or file it is read from."""
    text = json.dumps([at.isoformat(), str(kind), data], sort_keys=True, default=str)
    return "import:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def by_record(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """Consecutive rows of the same record, as lists (rows come sorted by record)."""
    batch: list[Row] = []
    for row in rows:
        if batch and row.record != batch[0].record:
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch
