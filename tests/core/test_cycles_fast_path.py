"""The cycle arithmetic's microsecond fast path against the straightforward datetime one.

On a business calendar ``Cycle`` counts in UTC microseconds (``BusinessCalendar.add_us`` and
``between_us``) and, once frozen, merges its pauses once. These properties check it against
the plain reading: the calendar's public ``between`` and ``add`` over ``running_segments``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.cycles import Cycle, Pause
from caseclock.core.targets import Resolved
from tests.core.evaluate_setup import CALENDARS, at

ORIGIN = at("2026-03-02T00:00:00-05:00")  # two weeks around the DST change of 2026-03-08
SETTINGS = settings(max_examples=150, deadline=None)
minutes = st.integers(0, 14 * 24 * 60)


@st.composite
def cycles(draw: st.DrawFn) -> Cycle:
    """A cycle on a business calendar with overlapping, touching and open-ended pauses."""
    calendar = CALENDARS[draw(st.sampled_from(["us-east", "apac"]))]
    start = ORIGIN + timedelta(minutes=draw(minutes))
    cycle = Cycle(
        "k", 1, start.astimezone(calendar.zone), calendar.name, calendar,
        Resolved(calendar, timedelta(hours=8), "8h", ""), "test",
    )  # fmt: skip
    for _ in range(draw(st.integers(0, 4))):
        begins = ORIGIN + timedelta(minutes=draw(minutes))
        length = draw(st.none() | st.integers(0, 3 * 24 * 60))
        ends = None if length is None else begins + timedelta(minutes=length)
        cycle.pauses.append(Pause(begins, ends, "condition", "test"))
    if draw(st.booleans()):
        cycle.ended_at = start + timedelta(minutes=draw(minutes))
        for pause in cycle.pauses:
            pause.end = pause.end if pause.end is not None else cycle.ended_at
    return cycle


def _reference_elapsed(cycle: Cycle, calendar: BusinessCalendar, until: datetime) -> timedelta:
    spans = cycle.running_segments(until)
    return sum((calendar.between(a, b) for a, b in spans), timedelta(0))


def _reference_position(
    cycle: Cycle, calendar: BusinessCalendar, amount: timedelta
) -> datetime | None:
    """The first running segment (up to a far horizon) in which ``amount`` is reached."""
    remaining = amount
    for a, b in cycle.running_segments(cycle.started_at + timedelta(days=400)):
        available = calendar.between(a, b)
        if available >= remaining:
            return calendar.add(a, remaining)
        remaining -= available
    return None  # inside an endless pause


@SETTINGS
@given(cycle=cycles(), frozen=st.booleans(), later=minutes)
def test_elapsed_matches_the_running_segments(cycle: Cycle, frozen: bool, later: int) -> None:
    calendar = cycle.business
    until = cycle.started_at + timedelta(minutes=later)
    if frozen:
        cycle.freeze()
    assert cycle.elapsed(until) == _reference_elapsed(cycle, calendar, until)
    assert cycle.open_time(until) == calendar.between(cycle.started_at, until)


@SETTINGS
@given(cycle=cycles(), frozen=st.booleans(), amount=st.integers(0, 200 * 60 * 60))
def test_position_matches_the_walk_over_pauses(cycle: Cycle, frozen: bool, amount: int) -> None:
    calendar = cycle.business
    if frozen:
        cycle.freeze()
    expected = _reference_position(cycle, calendar, timedelta(seconds=amount))
    found = cycle.position(timedelta(seconds=amount))
    assert found == expected
    assert (found is None) or (found.tzinfo is calendar.zone)


@SETTINGS
@given(cycle=cycles(), frozen=st.booleans(), later=minutes)
def test_paused_before_is_whether_any_pause_counts(cycle: Cycle, frozen: bool, later: int) -> None:
    until = cycle.started_at + timedelta(minutes=later)
    if frozen:
        cycle.freeze()
    assert cycle.paused_before(until) == bool(cycle.merged_pauses(until))
