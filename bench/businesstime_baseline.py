"""The baseline a user could pick instead of caseclock's calendar arithmetic: the
``businesstimedelta`` package (1.0.1, pytz zones), configured from a caseclock calendar.

Both benchmarks that compare with it (``calendar_bench.py``, ``evaluate_bench.py``) build it
here, so they measure the same thing. A weekday's open intervals become ``WorkDayRule``s
(one per interval, with the weekdays that have it; an end before the start is a night shift,
as in caseclock), listed holidays and public-holiday sets one ``HolidayRule`` over a set of
dates. An always-open calendar is plain ``datetime`` arithmetic, as a user would write it.
Dated exceptions have no counterpart in businesstimedelta and are refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import businesstimedelta
import holidays
import pytz  # type: ignore[import-untyped]  # no stubs; businesstimedelta needs pytz zones

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import WEEKDAYS, CalendarSpec
from caseclock.core.instants import instant_us

MICROSECOND = timedelta(microseconds=1)


def _clock(minutes: int) -> clock:
    """Minutes after midnight as a time of day; 24:00 and night-shift ends wrap past midnight."""
    minutes %= 24 * 60
    return clock(minutes // 60, minutes % 60)


def _dates(spec: CalendarSpec, years: Iterable[int]) -> frozenset[date]:
    """The calendar's closed dates: listed holidays and its public-holiday sets' holidays."""
    closed = set(spec.holidays)
    for chosen in spec.holiday_sets:
        closed.update(
            holidays.country_holidays(chosen.country, subdiv=chosen.subdivision, years=years)
        )
    return frozenset(closed)


def business_rules(spec: CalendarSpec, years: Iterable[int]) -> businesstimedelta.Rules | None:
    """businesstimedelta's rules for ``spec`` (holidays of ``years``); None when always open."""
    if spec.always_open:
        return None
    if spec.exceptions:
        raise NotImplementedError(f"{spec.name}: businesstimedelta has no dated exceptions")
    tz = pytz.timezone(spec.timezone)
    days_by_interval: dict[tuple[int, int], list[int]] = defaultdict(list)
    for weekday, name in enumerate(WEEKDAYS):
        for interval in spec.week.get(name, ()):
            days_by_interval[interval].append(weekday)
    rules: list[businesstimedelta.Rule] = [
        businesstimedelta.WorkDayRule(
            start_time=_clock(start), end_time=_clock(end), working_days=days, tz=tz
        )
        for (start, end), days in sorted(days_by_interval.items())
    ]
    rules.append(businesstimedelta.HolidayRule(_dates(spec, years), tz=tz))
    return businesstimedelta.Rules(rules)


class BusinessTimeDeltaCalendar(BusinessCalendar):
    """A caseclock calendar whose open-time arithmetic (``add``, ``between`` and the
    evaluator's microsecond forms) is businesstimedelta's; the rest is caseclock's."""

    def __init__(self, spec: CalendarSpec, years: Iterable[int]) -> None:
        super().__init__(spec)
        self.rules = business_rules(spec, years)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if self.rules is None:
            return (start + duration).astimezone(self.zone)
        result: datetime = start + businesstimedelta.BusinessTimeDelta(
            self.rules, timedelta=duration
        )
        return result.astimezone(self.zone)

    def between(self, start: datetime, end: datetime) -> timedelta:
        if self.rules is None:
            return end - start
        counted: timedelta = self.rules.difference(start, end).timedelta
        return counted

    def add_us(self, t: int, amount: int) -> int:
        return instant_us(self.add(self.local(t), timedelta(microseconds=amount)))

    def between_us(self, t0: int, t1: int) -> int:
        return self.between(self.local(t0), self.local(t1)) // MICROSECOND


def same_instant(a: datetime, b: datetime) -> bool:
    """Same instant (compared in UTC: PEP 495 makes fold instants unequal across zones)."""
    return a.astimezone(UTC) == b.astimezone(UTC)
