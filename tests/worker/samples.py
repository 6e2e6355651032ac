"""Sample triggers, records and milestones for the adapter tests (fixed instants, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from caseclock.channels.payloads import Trigger, TriggerKind
from caseclock.core.milestones import Milestone, MilestoneState

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
CONSOLE = "https://sla.example.com/console"
KEY = "del_01JD8K2Q7Z"
SECRET = "whsec_test_4f1c2e"


def record(**changes: Any) -> dict[str, Any]:
    """A Gold P1 case at ShieldGuard Security, owned by ana on L1."""
    return {
        "id": "C-1042",
        "type": "case",
        "account": "ShieldGuard Security",
        "tier": "Gold",
        "priority": "P1",
        "status": "Investigating",
        "owner": "ana",
        "team": "L1",
        **changes,
    }


def milestone(**changes: Any) -> Milestone:
    """A running first-response milestone: 4 business hours, 3 elapsed, due at 16:30 UTC."""
    values: dict[str, Any] = {
        "key": "first_response",
        "name": "First response",
        "cycle": 1,
        "state": MilestoneState.RUNNING,
        "calendar": "emea",
        "started_at": datetime(2026, 11, 24, 12, 30, tzinfo=UTC),
        "deadline": datetime(2026, 11, 24, 16, 30, tzinfo=UTC),
        "warning_at": datetime(2026, 11, 24, 15, 30, tzinfo=UTC),
        "target": timedelta(hours=4),
        "elapsed": timedelta(hours=3),
        "remaining": timedelta(hours=1),
        **changes,
    }
    return Milestone(**values)


def trigger(kind: TriggerKind = TriggerKind.WARNING, **changes: Any) -> Trigger:
    values: dict[str, Any] = {"key": KEY, "kind": kind, "due_at": NOW, "fired_at": NOW, **changes}
    return Trigger(**values)
