"""The JSON payload of a milestone trigger, as webhooks receive it (see docs/webhooks.md).

Keys come in the documented order; instants are ISO-8601 in UTC with a ``Z``; durations are
whole seconds. The same trigger, record and milestone always give the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from caseclock.clock import require_aware
from caseclock.core.milestones import Milestone

PAYLOAD_VERSION = 1
RECORD_FIELDS = ("id", "type", "account", "tier", "priority", "status", "owner", "team")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class TriggerKind(StrEnum):
    WARNING = "warning"
    VIOLATION = "violation"
    REPEATED_VIOLATION = "repeated_violation"
    SUCCESS = "success"
    ESCALATION = "escalation"  # an escalation rule on a stale record, not a milestone


def check_key(key: str) -> str:
    """Return ``key`` if it can travel as an ``Idempotency-Key`` header and in a Message-ID."""
    if not _KEY.fullmatch(key):
        raise ValueError(
            f"idempotency key {key!r} must be 1-128 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return key


@dataclass(frozen=True, slots=True)
class Trigger:
    """One firing: ``key`` identifies it across retries (the payload's ``id``).

    ``due_at`` is when it was scheduled, ``fired_at`` when the worker fired it; ``late`` marks a
    trigger fired after downtime. ``rule`` names the escalation rule of an ``escalation``.
    """

    key: str
    kind: TriggerKind
    due_at: datetime
    fired_at: datetime
    late: bool = False
    rule: str | None = None

    def __post_init__(self) -> None:
        check_key(self.key)
        require_aware(self.due_at, "trigger due_at")
        require_aware(self.fired_at, "trigger fired_at")


def console_link(console_url: str, record_id: str) -> str:
    """The console page of a record: ``<console_url>/records/<id>``."""
    return f"{console_url.rstrip('/')}/records/{quote(record_id, safe='')}"


def build_payload(
    trigger: Trigger,
    record: Mapping[str, object],
    milestone: Milestone | None,
    console_url: str,
) -> dict[str, Any]:
    """The webhook payload; ``milestone`` is None for an escalation rule's trigger."""
    summary = record_summary(record)
    return {
        "id": trigger.key,
        "version": PAYLOAD_VERSION,
        "kind": str(trigger.kind),
        "fired_at": instant(trigger.fired_at),
        "due_at": instant(trigger.due_at),
        "late": trigger.late,
        "rule": trigger.rule,
        "record": summary,
        "milestone": None if milestone is None else milestone_summary(milestone),
        "link": console_link(console_url, str(summary["id"])),
    }


def record_summary(record: Mapping[str, object]) -> dict[str, Any]:
    """The record fields a receiver needs to route the trigger; missing ones are null."""
    if record.get("id") is None:
        raise ValueError("the record mapping needs an 'id'")
    return {name: _scalar(record.get(name)) for name in RECORD_FIELDS}


def milestone_summary(milestone: Milestone) -> dict[str, Any]:
    return {
        "key": milestone.key,
        "name": milestone.name,
        "cycle": milestone.cycle,
        "state": str(milestone.state),
        "calendar": milestone.calendar,
        "started_at": _optional_instant(milestone.started_at),
        "deadline": _optional_instant(milestone.deadline),
        "completed_at": _optional_instant(milestone.completed_at),
        "completed_late": milestone.late,
        "target_seconds": _optional_seconds(milestone.target),
        "elapsed_seconds": seconds(milestone.elapsed),
        "paused_seconds": seconds(milestone.paused),
        "remaining_seconds": _optional_seconds(milestone.remaining),
    }


def encode_json(document: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON in the document's own key order: the exact bytes that get signed."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def instant(value: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` (microseconds only when there are any)."""
    utc = require_aware(value, "payload instant").astimezone(UTC)
    return utc.isoformat().replace("+00:00", "Z")


def seconds(value: timedelta) -> int:
    """Whole seconds, rounded down (a negative remaining time means overdue)."""
    return value // timedelta(seconds=1)


def _optional_instant(value: datetime | None) -> str | None:
    return None if value is None else instant(value)


def _optional_seconds(value: timedelta | None) -> int | None:
    return None if value is None else seconds(value)


def _scalar(value: object) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
