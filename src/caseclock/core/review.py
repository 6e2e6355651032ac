"""The milestone review's rules, pure: when a review period ends, how far back "stalled" goes,
and which items need a decision.

A team is reviewed on a schedule: weekly (a weekday and an hour in the team's zone) or daily
(an hour), the daily one for the records of high-priority tiers. Period ``k`` runs from one
scheduled instant to the next; its digest goes out at its end, and covers what happened since
the previous review (its start). Wall-clock instants come from the zone (a DST gap moves the
hour forward, a fold takes the earlier offset, as ``core.calendar`` reads wall clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from caseclock.core.calendar import BusinessCalendar

_UTC: Final = ZoneInfo("UTC")
_LOOK_BACK_DAYS: Final = 366  # a calendar open less than N days a year is not looked past


class Cadence(StrEnum):
    WEEKLY = "weekly"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a team's review of one cadence falls due: ``hour`` (0-23) local time in ``zone``,
    on ``weekday`` (0 Monday .. 6 Sunday) for a weekly one."""

    cadence: Cadence
    hour: int
    zone: tzinfo
    weekday: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.hour <= 23:
            raise ValueError(f"a review hour is 0 to 23 (got {self.hour})")
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"a review weekday is 0 (Monday) to 6 (Sunday) (got {self.weekday})")


@dataclass(frozen=True, slots=True)
class Period:
    """What one review covers: ``[start, end)``; its digest is due at ``end``."""

    start: datetime
    end: datetime


def _wall(day: date, hour: int, zone: tzinfo) -> datetime:
    """``hour``:00 on ``day`` in ``zone`` as a UTC instant (a gap moves it forward)."""
    local = datetime.combine(day, time(hour), tzinfo=zone)
    there_and_back = local.astimezone(_UTC).astimezone(zone)
    if there_and_back.replace(tzinfo=None) != local.replace(tzinfo=None):  # in a DST gap
        return there_and_back.astimezone(_UTC)
    return local.astimezone(_UTC)


def _step(schedule: Schedule) -> int:
    return 7 if schedule.cadence is Cadence.WEEKLY else 1


def last_due(schedule: Schedule, now: datetime) -> datetime:
    """The latest scheduled instant at or before ``now``."""
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware (got naive {now.isoformat()})")
    day = now.astimezone(schedule.zone).date()
    if schedule.cadence is Cadence.WEEKLY:
        day -= timedelta(days=(day.weekday() - schedule.weekday) % 7)
    due = _wall(day, schedule.hour, schedule.zone)
    while due > now:
        day -= timedelta(days=_step(schedule))
        due = _wall(day, schedule.hour, schedule.zone)
    return due


def due_period(schedule: Schedule, now: datetime) -> Period:
    """The latest period whose digest is due by ``now``: it ends at ``last_due(now)``."""
    end = last_due(schedule, now)
    day = end.astimezone(schedule.zone).date() - timedelta(days=_step(schedule))
    return Period(_wall(day, schedule.hour, schedule.zone), end)


def current_period(schedule: Schedule, now: datetime) -> Period:
    """What the review page shows at ``now``: everything since the last review."""
    return Period(last_due(schedule, now), now)


def business_days_back(calendar: BusinessCalendar, now: datetime, days: int) -> datetime:
    """The instant ``days`` open days before ``now`` on ``calendar`` (the same wall-clock time
    on the day that is ``days`` open days earlier): a record with no activity since then has
    stalled. Days the calendar is closed all day (weekends, holidays) are not counted."""
    if days < 0:
        raise ValueError(f"stalled days must not be negative (got {days})")
    local = now.astimezone(calendar.zone)
    day, counted = local.date(), 0
    for _ in range(days * 7 + _LOOK_BACK_DAYS):
        if counted == days:
            break
        day -= timedelta(days=1)
        if calendar.hours_on(day):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=calendar.zone)
