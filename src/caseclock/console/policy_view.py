"""Processes and calendars as pages: each process version in words, each calendar as a week
grid with its next holidays and special days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import holidays as holidays_lib
from sqlalchemy.orm import Session

from caseclock.console.wording import calendar_words, milestone_summary
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import MINUTES_PER_DAY, CalendarSpec
from caseclock.services.calendars import list_calendars
from caseclock.services.policy import get_process, list_processes, parsed_process, process_versions

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOLIDAY_HORIZON = 400


@dataclass(frozen=True, slots=True)
class ProcessPage:
    key: str
    name: str
    version: int
    versions: Sequence[int]
    description: str | None
    calendar: str
    closed_statuses: tuple[str, ...]
    milestones: list[dict[str, object]]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Block:
    """One open interval on a weekday column, in percent of the day's height."""

    top: float
    height: float
    label: str


@dataclass(frozen=True, slots=True)
class SpecialDay:
    day: date
    text: str


@dataclass(frozen=True, slots=True)
class CalendarPage:
    spec: CalendarSpec
    days: list[tuple[str, list[Block]]]
    weekly_hours: float
    upcoming: list[SpecialDay]


def processes(session: Session) -> list[ProcessPage]:
    return [process_page(session, row.key, None) for row in list_processes(session)]


def process_page(session: Session, key: str, version: int | None) -> ProcessPage:
    row = get_process(session, key, version)
    process = parsed_process(row)
    return ProcessPage(
        key=row.key,
        name=process.name,
        version=row.version,
        versions=process_versions(session, key),
        description=process.description,
        calendar=calendar_words(process.calendar),
        closed_statuses=process.closed_statuses,
        milestones=[milestone_summary(m) for m in process.milestones],
        created_at=row.created_at,
    )


def _clock(minutes: int) -> str:
    hours, rest = divmod(minutes % MINUTES_PER_DAY, 60)
    return "24:00" if minutes == MINUTES_PER_DAY else f"{hours:02d}:{rest:02d}"


def _blocks(intervals: Sequence[tuple[int, int]]) -> list[Block]:
    """Blocks of one weekday; an overnight interval is drawn up to midnight (its morning part
    shows on the next day's column)."""
    found = []
    for start, end in intervals:
        shown_end = min(end, MINUTES_PER_DAY)
        label = f"{_clock(start)}\N{EN DASH}{_clock(end)}"
        found.append(
            Block(
                top=round(start / MINUTES_PER_DAY * 100, 3),
                height=round((shown_end - start) / MINUTES_PER_DAY * 100, 3),
                label=label,
            )
        )
    return found


def _spill(spec: CalendarSpec, weekday: int) -> list[Block]:
    """The after-midnight part of the previous day's overnight intervals."""
    before = spec.hours_for_weekday((weekday - 1) % 7)
    return [
        Block(
            0.0, round((end - MINUTES_PER_DAY) / MINUTES_PER_DAY * 100, 3), f"until {_clock(end)}"
        )
        for _, end in before
        if end > MINUTES_PER_DAY
    ]


def _holiday_name(spec: CalendarSpec, day: date) -> str:
    for holiday_set in spec.holiday_sets:
        found = holidays_lib.country_holidays(
            holiday_set.country, subdiv=holiday_set.subdivision, years=day.year
        ).get(day)
        if found:
            return str(found)
    return "holiday"


def _upcoming(calendar: BusinessCalendar, today: date, count: int = 6) -> list[SpecialDay]:
    spec = calendar.spec
    exceptions = {e.date: e for e in spec.exceptions}
    found: list[SpecialDay] = []
    for offset in range(HOLIDAY_HORIZON):
        day = today + timedelta(days=offset)
        if day in exceptions:
            hours = exceptions[day].hours
            text = (
                "closed (exception)"
                if not hours
                else "special hours "
                + ", ".join(f"{_clock(a)}\N{EN DASH}{_clock(b)}" for a, b in hours)
            )
            found.append(SpecialDay(day, text))
        elif calendar.is_holiday(day):
            found.append(SpecialDay(day, _holiday_name(spec, day)))
        if len(found) >= count:
            break
    return found


def calendars(session: Session, *, now: datetime) -> list[CalendarPage]:
    pages = []
    for row in list_calendars(session):
        spec = CalendarSpec.model_validate(row.document)
        calendar = BusinessCalendar(spec)
        days = []
        total = 0
        for weekday in range(7):
            intervals = spec.hours_for_weekday(weekday)
            total += sum(end - start for start, end in intervals)
            days.append((DAY_NAMES[weekday], _spill(spec, weekday) + _blocks(intervals)))
        today = now.astimezone(calendar.zone).date()
        pages.append(
            CalendarPage(
                spec=spec,
                days=days,
                weekly_hours=round(total / 60, 1),
                upcoming=[] if spec.always_open else _upcoming(calendar, today),
            )
        )
    return pages
