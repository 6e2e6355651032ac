"""Checking success criteria against a cycle's events: the matching the evaluator (a
``without_criteria: block`` completion) and the checklist (``core.success_criteria``) share.

``inside`` are the events from the cycle's start to the check; ``before`` every event up to the
check (a ``field`` criterion reads the field's value then, wherever it was set).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caseclock.core.events import Event, EventType
from caseclock.core.policy import Criterion


@dataclass(frozen=True, slots=True)
class Check:
    """One criterion of the checklist: met or not, and by which event (its instant)."""

    label: str
    met: bool
    at: datetime | None = None


def label(criterion: Criterion) -> str:
    if criterion.label:
        return criterion.label
    if criterion.note is not None:
        return f"a note about {criterion.note}"
    if criterion.field is not None:
        return f"{criterion.field} filled in"
    if criterion.status is not None:
        return f"status {criterion.status} reached"
    return "a public reply to the customer"


def _matches(criterion: Criterion, event: Event) -> bool:
    data = event.data
    if criterion.note is not None:
        internal = event.type is EventType.NOTE or (
            event.type is EventType.COMMENT and data.get("public") is False
        )
        body = data.get("body")
        return internal and isinstance(body, str) and criterion.note.casefold() in body.casefold()
    if criterion.status is not None:
        status = data.get("status")
        reached = event.type in (EventType.STATUS, EventType.CLOSED, EventType.REOPENED)
        return (
            reached and isinstance(status, str) and status.casefold() == criterion.status.casefold()
        )
    return (
        event.type is EventType.COMMENT
        and data.get("public") is True
        and data.get("author_role") == "agent"
    )


def _field_value(events: Sequence[Event], name: str) -> tuple[Any, datetime | None]:
    value: Any = None
    at = None
    for event in events:
        data = event.data
        if event.type is EventType.CREATED and name in data:
            value, at = data[name], event.at
        elif event.type is EventType.FIELD and data.get("field") == name:
            value, at = data.get("value"), event.at
    return value, at


def _check(criterion: Criterion, inside: Sequence[Event], before: Sequence[Event]) -> Check:
    if criterion.field is not None:
        value, at = _field_value(before, criterion.field)
        return Check(label(criterion), value not in (None, "", [], {}), at)
    for event in inside:
        if _matches(criterion, event):
            return Check(label(criterion), True, event.at)
    return Check(label(criterion), False)


def check_all(
    criteria: Sequence[Criterion], inside: Sequence[Event], before: Sequence[Event]
) -> tuple[Check, ...]:
    """Each criterion checked (see the module docstring)."""
    return tuple(_check(c, inside, before) for c in criteria)


def unmet(criteria: Sequence[Criterion], inside: Sequence[Event], before: Sequence[Event]) -> str:
    """The labels of the criteria not met, joined for a note ("" when all are met)."""
    return "; ".join(c.label for c in check_all(criteria, inside, before) if not c.met)
