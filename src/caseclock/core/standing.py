"""Where a milestone stands at an instant: its state, time left in its own basis, its health.

A stored milestone row was evaluated at some earlier instant; between evaluations only the clock
moves. Three rules decide what a reader sees at ``now``, written once here and read by the
evaluator, the at-risk queue, the board, the reports and the CSV downloads:

* **State.** A running milestone whose deadline has come (the deadline instant itself counts)
  is violated. The SQL filters that count violations in the store mirror ``state_at``.
* **Basis.** A milestone counts time on its business calendar (``4h``, ``5bd``, ``eobd``) or on
  the wall clock (``30d``, ``3mo``, ``1y``, date fields). Time left is measured in that basis:
  business time for the first, elapsed real time for the second.
* **Time left and over by.** Time left is the basis time from ``now`` to the deadline, negative
  once past it; while paused it stays where the evaluation froze it. "Over by" is the basis time
  from the deadline to the completion (or to ``now`` while open): the same unit as time left,
  so "2h left" and "over by 2h" on one milestone are two hours of the same clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.milestones import Basis, Health, Milestone, MilestoneState, health

__all__ = [
    "Basis",
    "Standing",
    "basis_time",
    "due_us",
    "over_by",
    "standing",
    "state_at",
    "time_left",
]

_RUNNING: Final = MilestoneState.RUNNING
_VIOLATED: Final = MilestoneState.VIOLATED
_PAUSED: Final = MilestoneState.PAUSED


def due_us(deadline_us: int, now_us: int) -> bool:
    """Whether a deadline (UTC microseconds) has come at ``now_us``: the instant itself counts."""
    return now_us >= deadline_us


def state_at(state: MilestoneState, deadline: datetime | None, now: datetime) -> MilestoneState:
    """A stored milestone's state at ``now``: running past its deadline counts as violated (a
    paused row keeps its state until the evaluation that ends the pause)."""
    if state is _RUNNING and deadline is not None and now >= deadline:
        return _VIOLATED
    return state


def basis_time(
    basis: Basis | str, start: datetime, end: datetime, calendar: BusinessCalendar | None
) -> timedelta:
    """Time from ``start`` to ``end`` in ``basis``, negative when ``end`` comes first; business
    time needs the milestone's calendar (without one it falls back to real time)."""
    if basis == Basis.CALENDAR or calendar is None:
        return end.astimezone(UTC) - start.astimezone(UTC)
    if end >= start:
        return calendar.between(start, end)
    return -calendar.between(end, start)


def time_left(
    *,
    state: MilestoneState,
    basis: Basis | str,
    deadline: datetime | None,
    stored_remaining: timedelta | None,
    calendar: BusinessCalendar | None,
    now: datetime,
) -> timedelta | None:
    """Time left until the deadline in the milestone's basis (negative once past it); while the
    clock is paused (or no deadline is known) the value the evaluation stored."""
    if state is _PAUSED or deadline is None:
        return stored_remaining
    return basis_time(basis, now, deadline, calendar)


def over_by(
    *,
    basis: Basis | str,
    deadline: datetime | None,
    end: datetime,
    calendar: BusinessCalendar | None,
) -> timedelta | None:
    """How far past its deadline a milestone ended (or stands, ``end`` being now), in its
    basis; None when it has no deadline or ``end`` is not past it."""
    if deadline is None or end <= deadline:
        return None
    return basis_time(basis, deadline, end, calendar)


@dataclass(frozen=True, slots=True)
class Standing:
    """A milestone at an instant: state, time left in ``basis``, and health."""

    state: MilestoneState
    remaining: timedelta | None
    health: Health
    basis: Basis = Basis.BUSINESS


def standing(
    *,
    key: str,
    state: MilestoneState,
    basis: Basis | str,
    deadline: datetime | None,
    warning_at: datetime | None,
    stored_remaining: timedelta | None,
    calendar: BusinessCalendar | None,
    now: datetime,
    yellow_within: timedelta,
) -> Standing:
    """State, time left and health at ``now`` of a milestone evaluated earlier."""
    state = state_at(state, deadline, now)
    remaining = time_left(
        state=state,
        basis=basis,
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
    colour = health(snapshot, now, yellow_within)
    return Standing(state=state, remaining=remaining, health=colour, basis=Basis(basis))
