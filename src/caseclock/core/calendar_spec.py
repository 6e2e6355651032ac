"""The calendar document: what people write, validated before any arithmetic sees it.

```json
{"name": "us-east", "timezone": "America/New_York",
 "week": {"mon": [["09:00", "17:00"]], "sat": [["22:00", "06:00"]]},
 "holidays": ["2026-12-25"],
 "holiday_sets": [{"country": "US", "subdivision": "NY"}],
 "exceptions": [{"date": "2026-12-24", "hours": [["09:00", "13:00"]]}]}
```
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import icalendar
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60


def parse_clock(text: str, *, allow_24: bool) -> int:
    """``"09:30"`` -> 570 minutes after midnight; ``"24:00"`` only where ``allow_24``."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise ValueError(f"time {text!r} must be HH:MM, e.g. 09:00")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours == 24 and minutes == 0 and allow_24:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"time {text!r} is not a time of day (00:00 to 23:59, or 24:00 as an end)")
    return hours * 60 + minutes


def _interval_minutes(value: Any) -> tuple[int, int]:
    """Validate one ``["09:00", "17:00"]`` pair; an end before the start runs overnight."""
    if not (isinstance(value, list | tuple) and len(value) == 2):
        raise ValueError('an interval is a pair of times, e.g. ["09:00", "17:00"]')
    start_text, end_text = value
    if not isinstance(start_text, str) or not isinstance(end_text, str):
        raise ValueError('an interval is a pair of "HH:MM" strings')
    start = parse_clock(start_text, allow_24=False)
    end = parse_clock(end_text, allow_24=True)
    if end == start:
        raise ValueError(
            f"interval {start_text}-{end_text} is empty; for a whole day write 00:00-24:00"
        )
    if end < start:
        end += MINUTES_PER_DAY  # a night shift, belonging to the day it starts on
    return start, end


def _check_intervals(value: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(
            'hours are a list of intervals, e.g. [["09:00", "12:00"], ["13:00", "17:00"]]'
        )
    intervals = sorted(_interval_minutes(item) for item in value)
    for (_, prev_end), (next_start, _) in pairwise(intervals):
        if next_start < prev_end:
            raise ValueError("intervals of one day overlap")
    return tuple(intervals)


def format_clock(minutes: int) -> str:
    """570 -> ``"09:30"``; 1440 -> ``"24:00"``; an overnight end (past 1440) wraps."""
    if minutes > MINUTES_PER_DAY:
        minutes -= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _dump_intervals(intervals: tuple[tuple[int, int], ...]) -> list[list[str]]:
    """Write intervals back as people wrote them, so a dumped document validates again."""
    return [[format_clock(start), format_clock(end)] for start, end in intervals]


# Open intervals of one day in minutes from midnight; an end past 1440 runs overnight.
Hours = Annotated[
    tuple[tuple[int, int], ...],
    BeforeValidator(_check_intervals),
    PlainSerializer(_dump_intervals, return_type=list[list[str]], when_used="json"),
]


class HolidaySet(BaseModel):
    """Public holidays of a country (and optionally a subdivision) from the ``holidays`` package."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(min_length=2, max_length=3)
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known(self) -> HolidaySet:
        try:
            holidays_lib.country_holidays(self.country, subdiv=self.subdivision, years=2000)
        except NotImplementedError:
            raise ValueError(f"unknown holiday country {self.country!r}") from None
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return self


class DateException(BaseModel):
    """Special hours on one date, replacing the weekday's hours (an empty list closes it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    hours: Hours


class CalendarSpec(BaseModel):
    """A business-hours calendar as a validated document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    timezone: str
    description: str | None = None
    always_open: bool = False
    week: dict[Weekday, Hours] = Field(default_factory=dict)
    holidays: tuple[dt.date, ...] = ()
    holiday_sets: tuple[HolidaySet, ...] = ()
    exceptions: tuple[DateException, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
            shown = value if len(value) <= 60 else f"{value[:60]}..."
            raise ValueError(
                f"unknown time zone {shown!r}; use an IANA name such as America/New_York"
            ) from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CalendarSpec:
        if self.always_open and self.week:
            raise ValueError("always_open calendars take no week hours; give one or the other")
        dates = [e.date for e in self.exceptions]
        duplicates = sorted({d for d in dates if dates.count(d) > 1})
        if duplicates:
            raise ValueError(f"more than one exception for {duplicates[0].isoformat()}")
        if (
            not self.always_open
            and not any(self.week.values())
            and not any(e.hours for e in self.exceptions)
        ):
            raise ValueError("the calendar is never open: give week hours or always_open: true")
        return self

    def hours_for_weekday(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """Open intervals (minutes from midnight) of a weekday, Monday = 0."""
        if self.always_open:
            return ((0, MINUTES_PER_DAY),)
        return self.week.get(WEEKDAYS[weekday], ())


MAX_DAYS_PER_EVENT = 366  # one event of an ICS file closes at most a year of days


def closed_days_from_ics(data: bytes | str) -> tuple[dt.date, ...]:
    """The whole days an iCalendar file's events cover, as holidays (sorted, unique).

    An all-day event (``DTSTART;VALUE=DATE``) closes its date up to its ``DTEND``, which is
    exclusive; one without an end closes its date. A timed event closes the dates it touches,
    read in its own zone. Recurring events (``RRULE``) are refused rather than half-read:
    export the feed with one event per holiday, as the usual holiday feeds are. Raises
    ``ValueError`` with what is wrong.
    """
    try:
        parsed = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise ValueError(f"not an iCalendar file: {exc}") from None
    days: set[dt.date] = set()
    for event in parsed.walk("VEVENT"):
        summary = str(event.get("SUMMARY", "an event"))
        if event.get("RRULE") is not None:
            raise ValueError(f"{summary!r} repeats (RRULE): give one event per holiday")
        start = event.decoded("DTSTART", None)
        if start is None:
            raise ValueError(f"{summary!r} has no DTSTART")
        end = event.decoded("DTEND", None)
        first = start if not isinstance(start, dt.datetime) else start.date()
        if end is None:
            last = first
        elif isinstance(end, dt.datetime):
            last = (
                end.date()
                if end.time() != dt.time(0) or end.date() == first
                else (end.date() - dt.timedelta(days=1))
            )
        else:
            last = end - dt.timedelta(days=1)
        last = max(last, first)
        if (last - first).days >= MAX_DAYS_PER_EVENT:
            raise ValueError(f"{summary!r} spans more than {MAX_DAYS_PER_EVENT} days")
        days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(sorted(days))
