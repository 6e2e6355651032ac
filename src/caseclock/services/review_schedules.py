"""When each team's review falls due, what its daily review covers, and who receives it.

The installation's settings (``CASECLOCK_REVIEW_*``, read into ``ReviewOptions``) are the
default for every team: weekly on a weekday at an hour, a daily review of the records of the
high-priority tiers when some are named. A team may have its own schedule (``review_schedules``):
its weekday, hour and time zone; its high-priority tiers and accounts, whose records get a
daily review (weekly stays the default for the rest); and its recipients, who receive the
digest by email instead of its leads and address. A lead of the team or an admin sets it; a
value left out keeps the installation's. Zone: the team's own, else its calendar's, else
``CASECLOCK_REVIEW_TIME_ZONE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from caseclock.config import Settings
from caseclock.core.review import Cadence, Schedule
from caseclock.errors import Forbidden, NotFound, ValidationFailed
from caseclock.services.access import Principal, Role
from caseclock.services.calendars import CalendarCache
from caseclock.services.directory import Directory
from caseclock.services.people import checked_email
from caseclock.store.models import ReviewScheduleRow, TeamRow
from caseclock.store.repositories.people import TeamRepository
from caseclock.store.repositories.reviews import ReviewRepository

LIST_LIMIT = 50  # tiers, accounts or recipients one team's schedule may name
NAME_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    """What the installation's settings say about reviews (every team's default)."""

    weekday: int = 0
    hour: int = 8
    daily_tiers: frozenset[str] = frozenset()
    stalled_days: int = 3
    time_zone: str = "UTC"

    @classmethod
    def of(cls, settings: Settings) -> ReviewOptions:
        tiers = frozenset(t.strip() for t in settings.review_daily_tiers.split(",") if t.strip())
        return cls(
            weekday=settings.review_weekday,
            hour=settings.review_hour,
            daily_tiers=tiers,
            stalled_days=settings.review_stalled_days,
            time_zone=settings.review_time_zone,
        )

    def cadences(self) -> tuple[Cadence, ...]:
        return (Cadence.WEEKLY, Cadence.DAILY) if self.daily_tiers else (Cadence.WEEKLY,)


@dataclass(frozen=True, slots=True)
class TeamSchedule:
    """One team's review schedule, its own settings over the installation's."""

    team: str
    weekday: int
    hour: int
    zone: tzinfo
    daily_tiers: frozenset[str]
    daily_accounts: frozenset[str]
    recipients: tuple[str, ...] | None  # None: the team's leads and address
    own: bool  # the team has a schedule of its own

    def cadences(self) -> tuple[Cadence, ...]:
        """Weekly always; daily too when some tiers or accounts are high priority."""
        if self.daily_tiers or self.daily_accounts:
            return (Cadence.WEEKLY, Cadence.DAILY)
        return (Cadence.WEEKLY,)

    def plan(self, cadence: Cadence) -> Schedule:
        return Schedule(cadence, self.hour, self.zone, self.weekday)


def _zone(name: str | None) -> tzinfo | None:
    try:
        return None if not name else ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _names(values: object) -> frozenset[str]:
    if not isinstance(values, list):
        return frozenset()
    return frozenset(v for v in values if isinstance(v, str))


def team_schedule(
    team: TeamRow,
    own: ReviewScheduleRow | None,
    options: ReviewOptions,
    calendars: CalendarCache,
) -> TeamSchedule:
    """``team``'s schedule: ``own`` over ``options`` (see the module docstring)."""
    calendar = calendars.get(team.calendar)
    zone = (
        (own is not None and _zone(own.time_zone))
        or (calendar.zone if calendar is not None else None)
        or _zone(options.time_zone)
        or ZoneInfo("UTC")
    )
    tiers = _names(own.daily_tiers) if own is not None else frozenset()
    accounts = _names(own.daily_accounts) if own is not None else frozenset()
    recipients = None
    if own is not None and own.recipients:
        recipients = tuple(sorted(r for r in own.recipients if isinstance(r, str)))
    return TeamSchedule(
        team=team.name,
        weekday=options.weekday if own is None or own.weekday is None else own.weekday,
        hour=options.hour if own is None or own.hour is None else own.hour,
        zone=zone,
        daily_tiers=tiers or options.daily_tiers,
        daily_accounts=accounts,
        recipients=recipients,
        own=own is not None,
    )


def find_team(session: Session, name: str) -> TeamRow:
    found = TeamRepository(session).by_name(name)
    if found is None:
        raise NotFound(f"no team {name!r}")
    return found


def schedule_of(session: Session, team: str, options: ReviewOptions) -> TeamSchedule:
    """The schedule ``team``'s review follows."""
    row = find_team(session, team)
    own = ReviewRepository(session).schedule(team)
    return team_schedule(row, own, options, CalendarCache(session))


def every_schedule(session: Session, options: ReviewOptions) -> list[TeamSchedule]:
    """Every team's schedule (for the worker's look at what is due)."""
    calendars = CalendarCache(session)
    own = ReviewRepository(session).schedules()
    return [
        team_schedule(team, own.get(team.name), options, calendars)
        for team in TeamRepository(session).list()
    ]


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """A team's own schedule as a lead or an admin gives it (None: the installation's)."""

    weekday: int | None = None
    hour: int | None = None
    time_zone: str | None = None
    daily_tiers: Sequence[str] = ()
    daily_accounts: Sequence[str] = ()
    recipients: Sequence[str] | None = None


def _checked_list(values: Sequence[str], path: str) -> list[str]:
    cleaned = sorted({v.strip() for v in values if v.strip()})
    if len(cleaned) > LIST_LIMIT:
        raise ValidationFailed(f"at most {LIST_LIMIT} entries", path=path)
    for value in cleaned:
        if len(value) > NAME_LIMIT:
            raise ValidationFailed(f"an entry is at most {NAME_LIMIT} characters", path=path)
    return cleaned


def _checked(change: ScheduleChange) -> dict[str, object]:
    if change.weekday is not None and not 0 <= change.weekday <= 6:
        raise ValidationFailed("a weekday is 0 (Monday) to 6 (Sunday)", path="weekday")
    if change.hour is not None and not 0 <= change.hour <= 23:
        raise ValidationFailed("an hour is 0 to 23", path="hour")
    zone = (change.time_zone or "").strip() or None
    if zone is not None and _zone(zone) is None:
        raise ValidationFailed(f"unknown time zone {zone!r}", path="time_zone")
    recipients = None
    if change.recipients is not None:
        listed = _checked_list(change.recipients, "recipients")
        try:
            recipients = sorted({checked_email(r) for r in listed}) or None
        except ValidationFailed as exc:
            raise ValidationFailed(exc.detail, path="recipients") from None
    return {
        "weekday": change.weekday,
        "hour": change.hour,
        "time_zone": zone,
        "daily_tiers": _checked_list(change.daily_tiers, "daily_tiers"),
        "daily_accounts": _checked_list(change.daily_accounts, "daily_accounts"),
        "recipients": recipients,
    }


def check_keeper(principal: Principal, team: str, directory: Directory) -> None:
    """A team's schedule is set by its leads and by admins."""
    if principal.at_least(Role.ADMIN):
        return
    principal.require(Role.LEAD)
    if principal.handle not in directory.team_leads(team):
        raise Forbidden(f"the review schedule of team {team!r} is for its leads to set")


def set_schedule(
    session: Session,
    principal: Principal,
    directory: Directory,
    *,
    team: str,
    change: ScheduleChange,
    options: ReviewOptions,
    now: datetime,
) -> TeamSchedule:
    """Give ``team`` its own schedule (checked whole: nothing changes on an error)."""
    check_keeper(principal, team, directory)
    row = find_team(session, team)
    values = _checked(change)
    own = ReviewRepository(session).put_schedule(
        {"team": row.name, **values, "updated_by": principal.actor, "updated_at": now}
    )
    return team_schedule(row, own, options, CalendarCache(session))
