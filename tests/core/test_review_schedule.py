"""When reviews fall due: weekly and daily periods on the team's wall clock, across DST, and
how far back "stalled" reaches on a business calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import CalendarSpec
from caseclock.core.review import (
    Cadence,
    Period,
    Schedule,
    business_days_back,
    current_period,
    due_period,
    last_due,
)

NY = ZoneInfo("America/New_York")
WEEKLY = Schedule(Cadence.WEEKLY, hour=8, zone=NY, weekday=0)
DAILY = Schedule(Cadence.DAILY, hour=8, zone=NY)


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def test_weekly_period_runs_monday_to_monday_at_eight_local() -> None:
    """On Wednesday the latest due weekly review is Monday 08:00; it covered the week before."""
    now = ny("2026-03-11T15:00")
    assert last_due(WEEKLY, now) == ny("2026-03-09T08:00")
    assert due_period(WEEKLY, now) == Period(ny("2026-03-02T08:00"), ny("2026-03-09T08:00"))
    assert current_period(WEEKLY, now) == Period(ny("2026-03-09T08:00"), now)


def test_the_due_instant_itself_is_due() -> None:
    """At Monday 08:00 sharp the review of the week that just ended is due."""
    assert last_due(WEEKLY, ny("2026-03-09T08:00")) == ny("2026-03-09T08:00")
    assert last_due(WEEKLY, ny("2026-03-09T07:59")) == ny("2026-03-02T08:00")


def test_a_week_across_the_spring_change_is_167_hours() -> None:
    """New York springs forward on 8 March 2026: the week ending Monday 9 March is an hour
    shorter, and both ends are 08:00 on the wall clock."""
    period = due_period(WEEKLY, ny("2026-03-09T09:00"))
    assert period.end - period.start == timedelta(hours=167)


def test_daily_periods_and_an_hour_in_a_dst_gap() -> None:
    """Daily at 08:00; a review at 02:00 on the spring-forward day moves to 03:00."""
    assert due_period(DAILY, ny("2026-03-10T07:00")) == Period(
        ny("2026-03-08T08:00"), ny("2026-03-09T08:00")
    )
    gap = Schedule(Cadence.DAILY, hour=2, zone=NY)
    assert last_due(gap, ny("2026-03-08T12:00")) == datetime.fromisoformat("2026-03-08T03:00-04:00")


@pytest.mark.parametrize(("hour", "weekday"), [(24, 0), (-1, 0), (8, 7)])
def test_a_schedule_out_of_range_is_refused(hour: int, weekday: int) -> None:
    with pytest.raises(ValueError, match="review"):
        Schedule(Cadence.WEEKLY, hour=hour, zone=NY, weekday=weekday)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        last_due(WEEKLY, datetime(2026, 3, 9, 8))  # noqa: DTZ001 (the point of the test)


def test_stalled_counts_open_days_back_skipping_weekends_and_holidays() -> None:
    """Three business days before Tuesday 10:00, with Monday a holiday, is the Wednesday
    before at 10:00 (Fri, Thu, Wed count; the weekend and the holiday do not)."""
    calendar = BusinessCalendar(
        CalendarSpec.model_validate(
            {
                "name": "ny",
                "timezone": "America/New_York",
                "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": ["2026-03-09"],
            }
        )
    )
    found = business_days_back(calendar, ny("2026-03-10T10:00"), 3)
    assert found == ny("2026-03-04T10:00")
