"""What dating a customer milestone needs of the installation: its calendars (working days,
closed days) and the zone its days are in (its calendar's, else its owner's, else UTC).

Used by the milestones' services and by their run on the engine (``services.account_clock``).
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from caseclock.core.day_offsets import OpenDay, open_days, weekdays
from caseclock.errors import ValidationFailed
from caseclock.services.calendars import CalendarCache
from caseclock.store.models import AccountMilestoneRow
from caseclock.store.repositories.people import UserRepository


class Dates:
    """What dating an account's milestones needs: the calendars, loaded once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.calendars = CalendarCache(session)
        self._owner_zones: dict[str, tzinfo] = {}

    def check(self, name: str | None) -> None:
        if name is not None and self.calendars.get(name) is None:
            raise ValidationFailed(f"no calendar named {name!r}", path="calendar")

    def open_day(self, name: str | None) -> OpenDay:
        calendar = self.calendars.get(name)
        return weekdays if calendar is None else open_days(calendar)

    def zone_of(self, row: AccountMilestoneRow) -> tzinfo:
        """Where a milestone's days are: its calendar's zone, else its owner's, else UTC."""
        calendar = self.calendars.get(row.calendar)
        if calendar is not None:
            return calendar.zone
        if row.owner is None:
            return UTC
        if row.owner not in self._owner_zones:
            user = UserRepository(self.session).by_handle(row.owner)
            self._owner_zones[row.owner] = UTC if user is None else ZoneInfo(user.time_zone)
        return self._owner_zones[row.owner]
