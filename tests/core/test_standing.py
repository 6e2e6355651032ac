"""Where a stored milestone stands at an instant: state, time left in its own basis, over by.

Every list (the at-risk board, the API queue, the account page, reports) reads these, so a
calendar-time milestone shows the same time left on all of them as on the record page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseclock.core.milestones import Basis, Health, MilestoneState
from caseclock.core.standing import over_by, standing, state_at, time_left
from tests.core.evaluate_setup import CALENDARS, at

US_EAST = CALENDARS["us-east"]
FRIDAY_4PM = at("2026-03-13T16:00:00-04:00")  # one business hour before the weekend
NEXT_FRIDAY_4PM = at("2026-03-20T16:00:00-04:00")


def test_calendar_time_milestones_count_time_left_on_the_wall_clock() -> None:
    """A 7-day milestone due a week away has 7 days left, not the 40 business hours of the
    week between (the record page and every list agree)."""
    left = time_left(
        state=MilestoneState.RUNNING,
        basis=Basis.CALENDAR,
        deadline=NEXT_FRIDAY_4PM,
        stored_remaining=None,
        calendar=US_EAST,
        now=FRIDAY_4PM,
    )
    assert left == timedelta(days=7)


def test_business_time_milestones_count_time_left_on_their_calendar() -> None:
    """A business-time milestone's time left is the open time of its calendar until the
    deadline: five 8-hour days over a weekend."""
    left = time_left(
        state=MilestoneState.RUNNING,
        basis=Basis.BUSINESS,
        deadline=NEXT_FRIDAY_4PM,
        stored_remaining=None,
        calendar=US_EAST,
        now=FRIDAY_4PM,
    )
    assert left == timedelta(hours=40)


@pytest.mark.parametrize(
    ("basis", "over"), [(Basis.BUSINESS, timedelta(hours=8)), (Basis.CALENDAR, timedelta(days=3))]
)
def test_over_by_is_in_the_same_unit_as_time_left(basis: Basis, over: timedelta) -> None:
    """Over by is the basis time past the deadline, the negative of time left: Friday 4 pm to
    Monday 4 pm is eight business hours (Friday's last, Monday's first seven) but three days
    of calendar time."""
    monday = at("2026-03-16T16:00:00-04:00")
    assert over_by(basis=basis, deadline=FRIDAY_4PM, end=monday, calendar=US_EAST) == over
    left = time_left(
        state=MilestoneState.RUNNING,
        basis=basis,
        deadline=FRIDAY_4PM,
        stored_remaining=None,
        calendar=US_EAST,
        now=monday,
    )
    assert left == -over


def test_over_by_is_none_on_time() -> None:
    """A milestone that ended by its deadline is over by nothing."""
    assert over_by(basis="business", deadline=FRIDAY_4PM, end=FRIDAY_4PM, calendar=None) is None


@pytest.mark.parametrize(
    ("state", "deadline_offset", "expected"),
    [
        (MilestoneState.RUNNING, timedelta(0), MilestoneState.VIOLATED),  # the instant counts
        (MilestoneState.RUNNING, timedelta(seconds=1), MilestoneState.RUNNING),
        (MilestoneState.PAUSED, -timedelta(hours=1), MilestoneState.PAUSED),
        (MilestoneState.COMPLETED, -timedelta(hours=1), MilestoneState.COMPLETED),
        (MilestoneState.PENDING, -timedelta(hours=1), MilestoneState.PENDING),
    ],
)
def test_state_at_an_instant(
    state: MilestoneState, deadline_offset: timedelta, expected: MilestoneState
) -> None:
    """A running clock whose deadline has come is violated; paused, closed or unstarted ones
    keep their state until they are evaluated again."""
    assert state_at(state, FRIDAY_4PM + deadline_offset, FRIDAY_4PM) is expected


def test_a_paused_clock_keeps_the_time_left_it_was_stored_with() -> None:
    """While paused, time left is frozen at the evaluation's value, whatever the clock says."""
    result = standing(
        key="resolution",
        state=MilestoneState.PAUSED,
        basis=Basis.BUSINESS,
        deadline=None,
        warning_at=None,
        stored_remaining=timedelta(hours=3),
        calendar=US_EAST,
        now=FRIDAY_4PM,
        yellow_within=timedelta(minutes=15),
    )
    assert (result.state, result.remaining, result.health) == (
        MilestoneState.PAUSED,
        timedelta(hours=3),
        Health.GREEN,
    )
