"""How a trigger reads to people: its title, the deadline in two zones, the time left.

Shared by the chat message and the email templates so that both say the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from caseclock.channels.payloads import TriggerKind
from caseclock.core.durations import format_timedelta
from caseclock.core.milestones import Milestone, MilestoneState

TITLES: dict[TriggerKind, str] = {
    TriggerKind.WARNING: "Milestone at risk",
    TriggerKind.VIOLATION: "Milestone violated",
    TriggerKind.REPEATED_VIOLATION: "Milestone still violated",
    TriggerKind.SUCCESS: "Milestone completed",
    TriggerKind.ESCALATION: "Escalation",
}


def local_time(value: datetime, zone: tzinfo) -> str:
    """``Tue 24 Nov 2026 17:00 CET``: an instant on the wall clock of ``zone``."""
    return value.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def utc_time(value: datetime) -> str:
    return local_time(value, UTC)


def time_left(milestone: Milestone) -> str:
    """The milestone's situation in a few words: time left, overdue, or how it completed."""
    if milestone.state is MilestoneState.COMPLETED:
        return "completed late" if milestone.late else "completed on time"
    if milestone.state is MilestoneState.CANCELLED:
        return "cancelled"
    remaining = milestone.remaining
    if remaining is None:
        return "not started"
    if milestone.state is MilestoneState.VIOLATED or remaining.total_seconds() < 0:
        return f"overdue by {format_timedelta(-remaining)} of business time"
    paused = " (clock paused)" if milestone.state is MilestoneState.PAUSED else ""
    return f"{format_timedelta(remaining)} of business time left{paused}"
