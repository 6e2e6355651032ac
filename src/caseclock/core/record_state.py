"""A record's fields as its timeline sets them, one event at a time.

``created`` sets the initial fields (``type``, ``status``, ``priority``, ``tier``, custom
fields); ``status``, ``owner``, ``field`` and ``priority`` change one or two; ``closed`` and
``reopened`` set the status and the closed flag. A record is closed by a ``closed`` event or a
status in the process's ``closed_statuses``, and reopened by ``reopened`` or a status outside
them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from caseclock.core.events import EventType

REOPENED_STATUS = "Reopened"

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_CREATED: Final = EventType.CREATED
_STATUS: Final = EventType.STATUS
_PRIORITY: Final = EventType.PRIORITY
_OWNER: Final = EventType.OWNER
_FIELD: Final = EventType.FIELD
_CLOSED: Final = EventType.CLOSED
_REOPENED: Final = EventType.REOPENED


@dataclass(init=False)
class RecordState:
    fields: dict[str, Any]
    closed: bool = False

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(
        self,
        fields: dict[str, Any],
        closed: bool = False,
    ) -> None:
        self.fields = fields
        self.closed = closed


_NO_CHANGES: Final[dict[str, Any]] = {}  # shared, never changed: most events set no field


def _changes(kind: EventType, data: Mapping[str, Any], closed_label: str) -> dict[str, Any]:
    """The fields an event sets (a ``created`` event sets all its data)."""
    if kind is _CREATED:
        return dict(data)
    if kind is _STATUS or kind is _PRIORITY:
        key = "status" if kind is _STATUS else "priority"  # not kind.value: a slow property
        return {key: data[key]}
    if kind is _OWNER:
        return {k: data[k] for k in ("owner", "team") if k in data}
    if kind is _FIELD:
        return {str(data["field"]): data.get("value")}
    if kind is _CLOSED or kind is _REOPENED:
        default = closed_label if kind is _CLOSED else REOPENED_STATUS
        return {"status": data.get("status") or default}
    return _NO_CHANGES


def advance(
    state: RecordState,
    kind: EventType,
    data: Mapping[str, Any],
    closed_statuses: Sequence[str],
) -> RecordState:
    """The record's state after an event of ``kind`` with ``data``."""
    changes = _changes(kind, data, closed_statuses[0] if closed_statuses else "Closed")
    if not changes:  # a comment, a note, an override: nothing about the record changed
        return state
    fields = {**state.fields, **changes}
    if kind is _CLOSED:
        closed = True
    elif kind is _REOPENED:
        closed = False
    elif fields.get("status") != state.fields.get("status"):
        status = str(fields.get("status")).casefold()
        closed = any(status == s.casefold() for s in closed_statuses)
    else:
        closed = state.closed
    return RecordState(fields, closed)
