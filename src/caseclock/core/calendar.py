"""Business-calendar arithmetic: when is a deadline, how much open time lies between two instants.

A ``BusinessCalendar`` is a pure value built from a ``CalendarSpec``. It never reads a clock.

How it stays exact and fast: every date's open intervals are turned into real instants (UTC
microseconds) once, merged where they touch or overlap, and kept in sorted arrays with a running
total of open time (a prefix sum). Open time up to an instant is then one binary search, and
adding a duration is two, whatever its length: a 500-hour target costs what an 8-hour one does.
The arrays cover a window of dates that grows (doubling) when a question falls outside it.

DST, as docs/semantics.md decides: an interval is real elapsed time between its wall-clock
ends; an end that falls in a gap moves forward by the gap, one that falls in a fold takes the
earlier offset. Both follow from reading wall-clock times with ``fold=0`` (PEP 495).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from mypy_extensions import mypyc_attr

from caseclock.core.calendar_spec import MINUTES_PER_DAY, CalendarSpec, HolidaySet
from caseclock.core.instants import instant_us, local_us, require_aware, timedelta_us

_FIRST_ORDINAL = date(1, 1, 8).toordinal()
_LAST_ORDINAL = date(9999, 12, 24).toordinal()
_INITIAL_PAST_DAYS = 31
_INITIAL_FUTURE_DAYS = 400
_MARGIN_DAYS = 3
# How far ahead to look for open time before deciding a calendar never opens again.
_HORIZON_DAYS = 366 * 12
# Dates whose open intervals are kept as instants (about 27 years' worth).
_DAY_CACHE_SIZE = 10_000
_ONE_DAY: Final = timedelta(1)
_MIDNIGHT: Final = time()  # a positional constant: compiled keyword calls are slow

Interval = tuple[int, int]


def bisect_left(values: list[int], x: int) -> int:
    """``bisect.bisect_left`` on a list of ints, written out: compiled, it runs on machine
    integers, several times faster than calling the C function through Python."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def bisect_right(values: list[int], x: int) -> int:
    """``bisect.bisect_right`` on a list of ints, written out (see ``bisect_left``)."""
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < values[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@dataclass(frozen=True, slots=True)
class _Span:
    """Merged open intervals of the dates ``[lo, hi)``, in UTC microseconds, with prefix sums.

    ``cum[i]`` is the open time before interval ``i``; ``cum_end[i]`` the open time at its end.
    Immutable, so a reader holding one never sees a half-built window.
    """

    lo: int
    hi: int
    t_lo: int
    t_hi: int
    starts: list[int]
    ends: list[int]
    cum: list[int]
    cum_end: list[int]

    @property
    def total(self) -> int:
        return self.cum_end[-1] if self.cum_end else 0

    def covers(self, t: int) -> bool:
        return self.t_lo <= t < self.t_hi

    def position(self, t: int) -> int:
        """Open time in the window before instant ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t - self.starts[i], self.ends[i] - self.starts[i])

    def containing(self, t: int) -> int:
        """Index of the interval containing ``t``, or -1 when ``t`` is closed."""
        i = bisect_right(self.starts, t) - 1
        return i if i >= 0 and t < self.ends[i] else -1


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    found = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(found.keys())


# Compiled by mypyc (setup.py); subclasses in plain Python stay possible (the benchmark's
# minute-stepping baseline is one).
@mypyc_attr(allow_interpreted_subclasses=True)
class BusinessCalendar:
    """Business hours in a time zone, with holidays and dated exceptions."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.zone = ZoneInfo(spec.timezone)
        self._weekly = tuple(spec.hours_for_weekday(day) for day in range(7))
        self._exceptions = {item.date: item.hours for item in spec.exceptions}
        self._fixed_holidays = frozenset(spec.holidays)
        self._holiday_sets: tuple[HolidaySet, ...] = spec.holiday_sets
        self._span: _Span | None = None
        self._day_cache: dict[date, tuple[Interval, ...]] = {}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> BusinessCalendar:
        """Build from a calendar document; pydantic's ValidationError names any bad path."""
        return cls(CalendarSpec.model_validate(doc))

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.name!r}, {self.spec.timezone!r})"

    # -- the questions -------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of open time has elapsed, counting from ``start``.

        A closed ``start`` counts from the next opening; a deadline that lands exactly on a
        closing time is that closing time; a zero duration is ``start`` if open, else the next
        opening.
        """
        t = instant_us(require_aware(start, "start"))
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative (got {duration})")
        return self.local(self.add_us(t, timedelta_us(duration)))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Open time in ``[start, end)``; ``end`` before ``start`` is an error, not zero."""
        t0 = instant_us(require_aware(start, "start"))
        t1 = instant_us(require_aware(end, "end"))
        if t1 < t0:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        return timedelta(0, 0, self.between_us(t0, t1))

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` lies inside open hours (an opening instant is open, a closing one not)."""
        t = instant_us(require_aware(at, "at"))
        return self._window(t).containing(t) >= 0

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the next opening."""
        t = instant_us(require_aware(at, "at"))
        return self.local(self.add_us(t, 0))

    def next_close(self, at: datetime) -> datetime | None:
        """The next closing after ``at`` (the end of the open stretch containing it, or of the
        next one); ``None`` for a calendar that never closes within the horizon (24x7)."""
        t = instant_us(require_aware(at, "at"))
        span = self._window(t)
        while True:
            i = bisect_right(span.starts, t) - 1
            if i < 0 or t >= span.ends[i]:
                i += 1
            if i < len(span.starts) and span.ends[i] < span.t_hi:
                return self.local(span.ends[i])
            try:
                span = self._grow_forward(span, since=t)
            except ValueError:
                return None

    def open_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals within ``[start, end)``, clipped: what a deadline counted."""
        t0 = instant_us(require_aware(start, "start"))
        t1 = instant_us(require_aware(end, "end"))
        if t1 <= t0:
            return []
        span = self._window(t0, t1)
        first = max(bisect_right(span.starts, t0) - 1, 0)
        last = bisect_left(span.starts, t1)
        spans = []
        for i in range(first, last):
            a, b = max(span.starts[i], t0), min(span.ends[i], t1)
            if a < b:
                spans.append((self.local(a), self.local(b)))
        return spans

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The same point of the ``n``-th open day after the start's business day.

        A closed ``start`` counts from the next opening. The start's business day is the date
        whose hours contain it (Tuesday's 19:00-05:00 shift for Wednesday 01:00), and "the same
        point" is the same wall-clock time measured from that day's midnight. The result is
        clamped into the target day's open hours: before its first opening it moves to the
        opening, in a break to the end of the break, after its last closing to that closing.
        """
        if n < 0:
            raise ValueError(f"business days must not be negative (got {n})")
        return self.local(self.add_business_days_us(instant_us(require_aware(start, "start")), n))

    def add_business_days_us(self, t: int, n: int) -> int:
        """``add_business_days`` for an instant and a result in microseconds, ``n >= 0``."""
        origin_us = self.add_us(t, 0)
        if n == 0:
            return origin_us
        origin = self.local(origin_us)
        day = self._business_day(origin_us, origin.date())
        # The wall-clock time since the business day's midnight (positional arguments only:
        # keyword calls into C types are slow from compiled code).
        seconds = origin.hour * 3600 + origin.minute * 60 + origin.second
        clock = timedelta(origin.toordinal() - day.toordinal(), seconds, origin.microsecond)
        target = self._nth_open_day_after(day, n)
        while True:
            # Aware + timedelta is wall-clock arithmetic with fold=0: the gap/fold rule applies.
            candidate = instant_us(datetime.combine(target, _MIDNIGHT, self.zone) + clock)
            intervals = self._own_intervals(target)
            landed = next((max(candidate, a) for a, b in intervals if candidate < b), None)
            landed = intervals[-1][1] if landed is None else landed
            if landed > origin_us:
                return landed
            # Only a night shift overlapping the next day's hours can clamp back before the
            # start; the following open day is then the first that lies ahead.
            target = self._nth_open_day_after(target, 1)

    def end_of_business_day(self, start: datetime, n: int = 1) -> datetime:
        """The last closing time of the ``n``-th open day after the start's business day.

        ``n = 1`` is "by the end of the next business day"; ``n = 0`` is the end of the current
        business day (the shift the start lies in, else the next open day's).
        """
        if n < 0:
            raise ValueError(f"business days must not be negative (got {n})")
        return self.local(self.end_of_business_day_us(instant_us(require_aware(start, "start")), n))

    def end_of_business_day_us(self, t: int, n: int = 1) -> int:
        """``end_of_business_day`` for an instant and a result in microseconds, ``n >= 0``."""
        day = self._business_day(t, self.local(t).date())
        if n > 0:
            day = self._nth_open_day_after(day, n)
            # A night shift overlapping the next day's hours may end after that day does.
            while self._own_intervals(day)[-1][1] <= t:
                day = self._nth_open_day_after(day, 1)
            return self._own_intervals(day)[-1][1]
        for _ in range(_HORIZON_DAYS):
            intervals = self._own_intervals(day)
            if intervals and intervals[-1][1] > t:
                return intervals[-1][1]
            day += _ONE_DAY
        raise ValueError(
            f"calendar {self.name!r} has no open day after {self.local(t).isoformat()}"
        )

    def hours_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """The open intervals (minutes from midnight; ends past 1440 run overnight) of a date,
        after holidays and exceptions."""
        if day in self._exceptions:
            return self._exceptions[day]
        if self.is_holiday(day):
            return ()
        return self._weekly[day.weekday()]

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is a listed holiday or a public holiday of one of the holiday sets."""
        if day in self._fixed_holidays:
            return True
        return any(
            day in _public_holidays(s.country, s.subdivision, day.year) for s in self._holiday_sets
        )

    # -- the evaluator's fast path: instants as UTC microseconds, already checked ----------

    def add_us(self, t: int, amount: int) -> int:
        """``add`` for an instant ``t`` and an amount ``amount >= 0``, both in microseconds.

        No checks: the evaluator calls it with instants it took from aware datetimes.
        """
        span = self._window(t)
        if amount == 0:
            if span.containing(t) >= 0:
                return t
            return self._next_start(span, t)
        target = span.position(t) + amount
        while target > span.total:
            span = self._grow_forward(span, since=t)
        i = bisect_left(span.cum_end, target)
        return span.starts[i] + target - span.cum[i]

    def between_us(self, t0: int, t1: int) -> int:
        """``between`` for instants ``t0 <= t1`` in microseconds, without checks."""
        span = self._span
        if span is None or not (span.t_lo <= t0 and t1 < span.t_hi):
            span = self._window(t0, t1)
        return span.position(t1) - span.position(t0)

    def local(self, t: int) -> datetime:
        """Instant ``t`` (UTC microseconds) as a datetime in the calendar's zone."""
        return local_us(t, self.zone)

    # -- the window of precomputed intervals ----------------------------------------------

    def _next_start(self, span: _Span, t: int) -> int:
        """The first opening after the closed instant ``t``, growing the window as needed."""
        i = bisect_right(span.starts, t)
        while i == len(span.starts):
            span = self._grow_forward(span, since=t)
            i = bisect_right(span.starts, t)
        return span.starts[i]

    def _wall(self, day: date, minutes: int) -> int:
        days, minute = divmod(minutes, MINUTES_PER_DAY)
        moment = datetime.combine(
            day + timedelta(days=days), time(minute // 60, minute % 60), tzinfo=self.zone
        )
        return instant_us(moment)

    def _own_intervals(self, day: date) -> tuple[Interval, ...]:
        """A date's own intervals as instants, dropping any a DST gap made empty (memoized:
        business-day arithmetic asks for the same dates again and again)."""
        cached = self._day_cache.get(day)
        if cached is None:
            pairs = ((self._wall(day, a), self._wall(day, b)) for a, b in self.hours_on(day))
            cached = tuple((a, b) for a, b in pairs if b > a)
            if len(self._day_cache) >= _DAY_CACHE_SIZE:
                self._day_cache.clear()
            self._day_cache[day] = cached
        return cached

    def _business_day(self, t: int, local_day: date) -> date:
        """The date whose own hours contain instant ``t``: the day before for the small hours of
        a night shift, else ``local_day``."""
        if any(a <= t < b for a, b in self._own_intervals(local_day)):
            return local_day
        previous = local_day - _ONE_DAY
        if any(a <= t < b for a, b in self._own_intervals(previous)):
            return previous
        return local_day

    def _nth_open_day_after(self, day: date, n: int) -> date:
        count = 0
        candidate = day
        for _ in range(1, _HORIZON_DAYS):
            candidate += _ONE_DAY
            if self._own_intervals(candidate):
                count += 1
                if count == n:
                    return candidate
        raise ValueError(f"calendar {self.name!r} has fewer than {n} open days after {day}")

    def _local_ordinal(self, t: int) -> int:
        return self.local(t).date().toordinal()

    def _window(self, t0: int, t1: int | None = None) -> _Span:
        """A window covering the instants ``t0`` (and ``t1``), grown when needed."""
        span = self._span
        last = t0 if t1 is None else t1
        if span is not None and span.covers(t0) and span.covers(last):
            return span
        first_day = self._local_ordinal(t0) - _MARGIN_DAYS
        last_day = self._local_ordinal(last) + _MARGIN_DAYS
        if span is None:
            return self._build(first_day - _INITIAL_PAST_DAYS, last_day + _INITIAL_FUTURE_DAYS)
        width = span.hi - span.lo
        lo = span.lo if first_day >= span.lo else min(first_day, span.lo - width)
        hi = span.hi if last_day <= span.hi else max(last_day, span.hi + width)
        return self._build(lo, hi)

    def _grow_forward(self, span: _Span, *, since: int) -> _Span:
        """Double the window forward, refusing past the horizon (a calendar that never opens
        again, or a duration longer than the horizon)."""
        if span.hi >= _LAST_ORDINAL or span.hi - self._local_ordinal(since) > _HORIZON_DAYS:
            raise ValueError(
                f"calendar {self.name!r}: no answer within {_HORIZON_DAYS // 366} years of "
                f"{self.local(since).isoformat()} (does the calendar ever open again?)"
            )
        return self._build(span.lo, span.hi + (span.hi - span.lo))

    def _build(self, lo: int, hi: int) -> _Span:
        lo, hi = max(lo, _FIRST_ORDINAL), min(hi, _LAST_ORDINAL)
        t_lo = self._wall(date.fromordinal(lo), 0)
        t_hi = self._wall(date.fromordinal(hi), 0)
        raw: list[Interval] = []
        for ordinal in range(lo - 1, hi):
            raw.extend(self._own_intervals(date.fromordinal(ordinal)))
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        for raw_start, raw_end in raw:
            a, b = max(raw_start, t_lo), min(raw_end, t_hi)
            if a >= b:
                continue
            if ends and a <= ends[-1]:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        cum: list[int] = []
        cum_end: list[int] = []
        total = 0
        for a, b in zip(starts, ends, strict=True):
            cum.append(total)
            total += b - a
            cum_end.append(total)
        span = _Span(lo, hi, t_lo, t_hi, starts, ends, cum, cum_end)
        self._span = span
        return span
