"""A record's current fields: the fold of its timeline, in timeline order.

The store keeps these as columns so lists and filters need no replay; they are recomputed from
the whole timeline whenever an event arrives, so a late event lands in its place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caseclock.core.events import Event, EventType

# Fields of ``created`` data (and ``field`` events) that are columns rather than custom fields.
COLUMNS = ("type", "status", "priority", "owner", "team", "account", "tier", "region", "product")
# Keys of ``created`` data that steer the service and are not fields of the record.
DIRECTIVES = ("process",)
CLOSED_STATUSES = frozenset({"closed"})


@dataclass(slots=True)
class RecordFields:
    """The columns of a record row, as its timeline says at its last event."""

    type: str = "case"
    status: str | None = None
    priority: str | None = None
    owner: str | None = None
    team: str | None = None
    account: str | None = None
    tier: str | None = None
    region: str | None = None
    product: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    is_closed: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def set(self, name: str, value: Any) -> None:
        if name in COLUMNS:
            if name == "type":
                self.type = str(value) if value is not None else "case"
            else:
                setattr(self, name, None if value is None else str(value))
        elif value is None:
            self.custom.pop(name, None)
        else:
            self.custom[name] = value

    def as_facts(self) -> dict[str, Any]:
        """Flat fields, custom ones included: what entitlement rules and conditions read."""
        facts: dict[str, Any] = dict(self.custom)
        for name in COLUMNS:
            value = getattr(self, name)
            if value is not None:
                facts[name] = value
        return facts


def project(timeline: Sequence[Event]) -> RecordFields:
    """Fold an ordered, de-duplicated timeline into the record's current fields."""
    fields = RecordFields()
    for event in timeline:
        _apply(fields, event.type, event.data)
        if event.type is EventType.CREATED and fields.created_at is None:
            fields.created_at = event.at
        fields.updated_at = event.at  # the timeline is ordered
    if fields.created_at is None and timeline:
        fields.created_at = timeline[0].at
    return fields


def _apply(fields: RecordFields, kind: EventType, data: Mapping[str, Any]) -> None:
    if kind is EventType.CREATED:
        for name, value in data.items():
            if name not in DIRECTIVES:
                fields.set(name, value)
        fields.is_closed = (fields.status or "").lower() in CLOSED_STATUSES
    elif kind is EventType.STATUS:
        fields.status = str(data["status"])
        fields.is_closed = fields.status.lower() in CLOSED_STATUSES
    elif kind is EventType.OWNER:
        for name in ("owner", "team"):
            if name in data:
                fields.set(name, data[name])
    elif kind is EventType.FIELD:
        fields.set(str(data["field"]), data.get("value"))
    elif kind is EventType.PRIORITY:
        fields.priority = str(data["priority"])
    elif kind is EventType.CLOSED:
        fields.status = str(data.get("status") or "Closed")
        fields.is_closed = True
    elif kind is EventType.REOPENED:
        fields.status = str(data.get("status") or "Reopened")
        fields.is_closed = False
