"""Customer milestone plans: offsets from the start, month ends and leap days, dependencies,
working days and due dates moved off closed days (``core.account_plans``, ``core.day_offsets``)."""

from __future__ import annotations

from datetime import date

import pytest

from caseclock.core.account_plans import Plan, due_from, occurrence, parse_plan, schedule
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.day_offsets import open_days, parse_offset, previous_open_day, shift
from caseclock.core.plan_library import builtin_plans
from caseclock.errors import ValidationFailed

US_EAST = BusinessCalendar.from_dict(
    {
        "name": "us-east",
        "timezone": "America/New_York",
        "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": ["2026-12-25", "2027-01-01"],
    }
)
OPEN = open_days(US_EAST)


def test_the_implementation_plan_gives_the_dates_customers_agree() -> None:
    """Applied on 1 August, the three-phase implementation falls on 1 September, 1 October and
    15 October, each phase counted from the one before it."""
    dated = schedule(builtin_plans()["implementation"], date(2017, 8, 1))
    assert [dated[k].due for k in ("delivery", "setup", "training")] == [
        date(2017, 9, 1),
        date(2017, 10, 1),
        date(2017, 10, 15),
    ]
    assert dated["training"].starts == date(2017, 10, 1)


def test_lifecycle_phases_of_a_customer_acquired_on_20_august_2017() -> None:
    """Introduction to 20 September, adoption to 20 November, retention to 20 August 2018."""
    dated = schedule(builtin_plans()["lifecycle"], date(2017, 8, 20))
    assert dated["introduction"].due == date(2017, 9, 20)
    assert dated["adoption"].due == date(2017, 11, 20)
    assert dated["retention"].due == date(2018, 8, 20)
    assert dated["renewal"].due == date(2018, 8, 20)


def test_months_from_a_month_end_clamp_without_drifting() -> None:
    """From 31 January: one month is 28 February (29 in a leap year), three months 30 April,
    and a monthly chain counted from the anchor comes back to the 31st in March."""
    assert shift(date(2027, 1, 31), parse_offset("1mo")) == date(2027, 2, 28)
    assert shift(date(2028, 1, 31), parse_offset("1mo")) == date(2028, 2, 29)
    assert shift(date(2027, 1, 31), parse_offset("3mo")) == date(2027, 4, 30)
    assert occurrence(date(2027, 1, 31), "1mo", 2) == date(2027, 3, 31)


def test_anniversaries_of_29_february_fall_on_28_february_in_common_years() -> None:
    """A yearly milestone first due on 29 February 2028 comes back on 28 February 2029 and on
    29 February 2032, counted from the first date each time."""
    assert occurrence(date(2028, 2, 29), "1y", 1) == date(2029, 2, 28)
    assert occurrence(date(2028, 2, 29), "1y", 4) == date(2032, 2, 29)


def test_a_dependency_counts_from_the_completion_once_done() -> None:
    """Setup counts a month from delivery's completion: delivered early on 20 August, setup is
    due 20 September, and training follows it."""
    dated = schedule(
        builtin_plans()["implementation"],
        date(2017, 8, 1),
        completed={"delivery": date(2017, 8, 20)},
    )
    assert dated["setup"].starts == date(2017, 8, 20)
    assert dated["setup"].due == date(2017, 9, 20)
    assert dated["training"].due == date(2017, 10, 4)


def test_working_days_skip_weekends_and_holidays() -> None:
    """Eleven working days from Wednesday 16 December 2026 skip two weekends, Christmas and New
    Year's Day: the tenth is Thursday 31 December, Friday 1 January is closed, so the eleventh
    is Monday 4 January."""
    due, moved = due_from(date(2026, 12, 16), "11bd", is_open=OPEN)
    assert due == date(2027, 1, 4)
    assert moved is None


def test_a_due_date_on_a_closed_day_moves_to_the_previous_business_day() -> None:
    """Due on Christmas Day (a Friday holiday) moves to Thursday 24 December; due on Sunday 27
    December moves to the same Thursday; an open day stays where it is."""
    assert due_from(date(2026, 11, 25), "1mo", is_open=OPEN, move_off_closed=True) == (
        date(2026, 12, 24),
        date(2026, 12, 25),
    )
    assert previous_open_day(date(2026, 12, 27), OPEN) == date(2026, 12, 24)
    assert previous_open_day(date(2026, 12, 23), OPEN) == date(2026, 12, 23)


def test_plan_validation_names_the_problem_and_refuses_circles() -> None:
    """An unknown key, an unknown reference, a circle and an hour offset are refused whole."""
    with pytest.raises(ValidationFailed, match="unknown field 'dew'"):
        parse_plan("{key: p, name: P, milestones: [{key: a, name: A, dew: 1d}]}")
    with pytest.raises(ValidationFailed, match="unknown milestone 'nope'"):
        parse_plan(
            "{key: p, name: P, milestones: [{key: a, name: A, due: {after: nope, offset: 1d}}]}"
        )
    with pytest.raises(ValidationFailed, match="circle: a -> b -> a"):
        parse_plan(
            "key: p\nname: P\nmilestones:\n"
            "  - {key: a, name: A, starts_after: b, due: {offset: 1d}}\n"
            "  - {key: b, name: B, starts_after: a, due: {offset: 1d}}\n"
        )
    with pytest.raises(ValidationFailed, match="not a date offset"):
        parse_plan("{key: p, name: P, milestones: [{key: a, name: A, due: {offset: 4h}}]}")


def test_every_shipped_plan_is_valid_and_schedules() -> None:
    """The shipped plans parse and give every milestone a date on or after the start."""
    plans = builtin_plans()
    assert set(plans) == {"implementation", "onboarding", "renewal", "lifecycle"}
    for plan in plans.values():
        assert isinstance(plan, Plan)
        dated = schedule(plan, date(2026, 3, 2), is_open=OPEN)
        assert all(d.due >= date(2026, 3, 2) for d in dated.values())
