"""Offsets between dates, as customer milestones count them.

An offset is written as a target period is (``core.periods``): ``30d`` or ``2w`` calendar days,
``3mo`` or ``1y`` calendar months (the same day of the month, clamped to the month's end),
``10bd`` working days (days a calendar is open, holidays skipped). A leading ``-`` counts
backwards (``-2mo``: two months before). Hours and ``eobd`` mean nothing between dates and are
refused.

Whether a day is open is a parameter (``OpenDay``), normally built from a business calendar by
``open_days``; without one every weekday (Monday to Friday) is a working day.
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.durations import DurationKind
from caseclock.core.periods import Months, parse_period

OpenDay = Callable[[date], bool]
LONGEST_SEARCH = 3660  # days looked at for an open day before a calendar is called never open


def weekdays(day: date) -> bool:
    """The working days when no calendar is named: Monday to Friday."""
    return day.weekday() < 5


def open_days(calendar: BusinessCalendar) -> OpenDay:
    """A calendar's open days: days with any open hours after holidays and exceptions."""
    return lambda day: bool(calendar.hours_on(day))


@dataclass(frozen=True, slots=True)
class DayOffset:
    """A parsed offset: ``amount`` days, working days or months (negative counts backwards)."""

    unit: str  # "days", "working_days" or "months"
    amount: int
    text: str

    def __str__(self) -> str:
        return self.text


def parse_offset(text: str) -> DayOffset:
    """Parse ``30d``, ``2w``, ``3mo``, ``1y``, ``10bd`` (optionally ``-`` first); ValueError
    naming the accepted forms otherwise."""
    raw = text.strip().lower().replace(" ", "")
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-")
    try:
        period = parse_period(body)
    except ValueError:
        period = None
    if isinstance(period, Months):
        return DayOffset("months", sign * period.months, raw)
    if period is not None and period.kind is DurationKind.BUSINESS_DAYS:
        return DayOffset("working_days", sign * period.days, raw)
    if period is not None and period.kind is DurationKind.CALENDAR_TIME:
        return DayOffset("days", sign * period.amount.days, raw)
    raise ValueError(
        f"not a date offset: {text!r}; use calendar days or weeks (30d, 2w), working days "
        "(10bd), months or years (3mo, 1y), with '-' in front to count backwards"
    )


def backwards(offset: DayOffset) -> DayOffset:
    """The same offset counted the other way (``1w`` before instead of after)."""
    return DayOffset(offset.unit, -offset.amount, offset.text)


def check_offset_text(value: str | None) -> str | None:
    """Validate an optional offset, keeping the text people wrote (a pydantic validator)."""
    if value is not None:
        parse_offset(value)
    return value


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's last day (Jan 31 + 1mo = Feb 28).

    Counted from the anchor each time: a chain of monthly dates never drifts to the 28th."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, gregorian.monthrange(year, month)[1])
    )


def shift(day: date, offset: DayOffset, is_open: OpenDay = weekdays) -> date:
    """``day`` moved by ``offset``. Working days count open days after (or before) ``day``:
    ``1bd`` from a Friday is the next open day, Monday."""
    if offset.unit == "months":
        return add_months(day, offset.amount)
    if offset.unit == "days":
        return day + timedelta(days=offset.amount)
    step = timedelta(days=1 if offset.amount >= 0 else -1)
    left, current, looked = abs(offset.amount), day, 0
    while left:
        current += step
        looked += 1
        if looked > LONGEST_SEARCH + abs(offset.amount) * 7:
            raise ValueError("the calendar has no open day to count working days on")
        if is_open(current):
            left -= 1
    return current


def previous_open_day(day: date, is_open: OpenDay = weekdays) -> date:
    """``day`` when it is open, else the open day before it (a due date moved off a weekend or
    a holiday comes earlier, never later)."""
    current = day
    for _ in range(LONGEST_SEARCH):
        if is_open(current):
            return current
        current -= timedelta(days=1)
    raise ValueError(f"the calendar has no open day in the {LONGEST_SEARCH} days before {day}")
