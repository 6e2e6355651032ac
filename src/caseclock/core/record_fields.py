"""A record's current fields as the store keeps them: the one fold of its timeline, in columns.

``core.record_state.advance`` is the fold, event by event: the evaluator runs it while it
replays, and ``record_fields`` runs it over a whole timeline for the store, so the record a list
filters on (``state=open``, escalation rules) is the record the milestones were evaluated on,
``closed_statuses`` included. The store keeps the result as columns so lists and filters need
no replay; it is recomputed from the whole timeline whenever an event arrives, so a late event
lands in its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caseclock.core.events import Event, EventType
from caseclock.core.policy import DEFAULT_CLOSED_STATUSES
from caseclock.core.record_state import RecordState, advance

# Fields of ``created`` data (and ``field`` events) that are columns rather than custom fields.
COLUMNS = ("type", "status", "priority", "owner", "team", "account", "tier", "region", "product")
# Keys of ``created`` data that steer the service and are not fields of the record.
DIRECTIVES = ("process",)


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

    @classmethod
    def of(cls, state: RecordState) -> RecordFields:
        """The columns of a folded record state: custom fields apart, directives left out."""
        fields = cls(is_closed=state.closed)
        for name, value in state.fields.items():
            if name in DIRECTIVES:
                continue
            if name in COLUMNS:
                if name == "type":
                    fields.type = "case" if value is None else str(value)
                else:
                    setattr(fields, name, None if value is None else str(value))
            elif value is not None:
                fields.custom[name] = value
        return fields

    def as_facts(self) -> dict[str, Any]:
        """Flat fields, custom ones included: what entitlement rules and conditions read."""
        facts: dict[str, Any] = dict(self.custom)
        for name in COLUMNS:
            value = getattr(self, name)
            if value is not None:
                facts[name] = value
        return facts


def fold(timeline: Iterable[Event], closed_statuses: Sequence[str]) -> RecordState:
    """The record's state after an ordered, de-duplicated timeline (``advance`` per event)."""
    state = RecordState({})
    for event in timeline:
        state = advance(state, event.type, event.data, closed_statuses)
    return state


def record_fields(
    timeline: Sequence[Event], closed_statuses: Sequence[str] = DEFAULT_CLOSED_STATUSES
) -> RecordFields:
    """The columns of a record from its ordered, de-duplicated timeline; ``closed_statuses``
    are its process's (the default ones for a record no process clocks yet)."""
    fields = RecordFields.of(fold(timeline, closed_statuses))
    for event in timeline:
        if event.type is EventType.CREATED:
            fields.created_at = event.at
            break
    if fields.created_at is None and timeline:
        fields.created_at = timeline[0].at
    if timeline:
        fields.updated_at = timeline[-1].at  # the timeline is ordered
    return fields
