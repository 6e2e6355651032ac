"""Where an open milestone row stands now: its state, business time left and health.

Remaining business time depends on now, so it is computed when asked, for the rows shown; the
colour itself is the core's ``health`` rule, written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.milestones import Health, Milestone, MilestoneState, health


@dataclass(frozen=True, slots=True)
class Standing:
    state: MilestoneState
    remaining: timedelta | None
    health: Health


def remaining_at(
    *,
    state: MilestoneState,
    deadline: datetime | None,
    stored_remaining: timedelta | None,
    calendar: BusinessCalendar | None,
    now: datetime,
) -> timedelta | None:
    """Business time left until the deadline (negative once past it); frozen while paused."""
    if state is MilestoneState.PAUSED or deadline is None:
        return stored_remaining
    if calendar is None:
        return deadline - now
    if deadline >= now:
        return calendar.between(now, deadline)
    return -calendar.between(deadline, now)


def standing(
    *,
    key: str,
    state: MilestoneState,
    deadline: datetime | None,
    warning_at: datetime | None,
    stored_remaining: timedelta | None,
    calendar: BusinessCalendar | None,
    now: datetime,
    yellow_within: timedelta,
) -> Standing:
    """State, remaining time and health at ``now`` of a milestone evaluated earlier."""
    if state is MilestoneState.RUNNING and deadline is not None and deadline <= now:
        state = MilestoneState.VIOLATED
    remaining = remaining_at(
        state=state,
        deadline=deadline,
        stored_remaining=stored_remaining,
        calendar=calendar,
        now=now,
    )
    snapshot = Milestone(
        key=key,
        name=key,
        cycle=1,
        state=state,
        deadline=deadline,
        warning_at=warning_at,
        remaining=remaining,
    )
    return Standing(state=state, remaining=remaining, health=health(snapshot, now, yellow_within))
