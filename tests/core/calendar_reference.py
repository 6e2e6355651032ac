"""A slow, obviously correct business calendar, to hold the fast one to.

It walks time in 15-minute cells. The property tests only generate calendars whose interval
ends are multiples of 15 minutes in zones whose offsets (and DST shifts) are too, so whether a
cell is open never changes inside it. Openness of one instant is decided straight from the
definition: some date's wall-clock interval, read with ``fold=0``, contains it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from caseclock.core.calendar_spec import CalendarSpec

CELL = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ReferenceCalendar:
    """The definitions of docs/semantics.md, evaluated one cell at a time."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)

    def hours(self, day: date) -> tuple[tuple[int, int], ...]:
        for exception in self.spec.exceptions:
            if exception.date == day:
                return exception.hours
        if day in self.spec.holidays:
            return ()
        for hs in self.spec.holiday_sets:
            if day in _public(hs.country, hs.subdivision, day.year):
                return ()
        return self.spec.hours_for_weekday(day.weekday())

    @lru_cache(maxsize=4096)  # noqa: B019 - the reference lives as long as one test
    def _instants(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        return tuple(
            (self._wall(day, start), self._wall(day, end)) for start, end in self.hours(day)
        )

    def _wall(self, day: date, minutes: int) -> datetime:
        days, minute = divmod(minutes, 1440)
        local = datetime.combine(
            day + timedelta(days=days), time(minute // 60, minute % 60), tzinfo=self.zone
        )
        return local.astimezone(UTC)

    def is_open(self, t: datetime) -> bool:
        local_day = t.astimezone(self.zone).date()
        for offset in (-2, -1, 0, 1):
            for start, end in self._instants(local_day + timedelta(days=offset)):
                if start <= t < end:
                    return True
        return False

    def between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        t = start.astimezone(UTC)
        end = end.astimezone(UTC)
        while t < end:
            cell_end = min(_next_cell(t), end)
            if self.is_open(t):
                total += cell_end - t
            t = cell_end
        return total

    def add(self, start: datetime, duration: timedelta, max_cells: int = 200_000) -> datetime:
        t = start.astimezone(UTC)
        left = duration
        for _ in range(max_cells):
            if left == timedelta(0) and (duration > timedelta(0) or self.is_open(t)):
                return t
            cell_end = _next_cell(t)
            if self.is_open(t):
                step = min(cell_end - t, left)
                left -= step
                t += step
                if left == timedelta(0):
                    return t
            else:
                t = cell_end
        raise AssertionError("reference walked too far")


def _next_cell(t: datetime) -> datetime:
    since = t - _EPOCH
    return _EPOCH + (since // CELL + 1) * CELL


@lru_cache(maxsize=256)
def _public(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))
