"""Business-calendar arithmetic (being written: signatures are final)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from caseclock.core.calendar_spec import CalendarSpec


class BusinessCalendar:
    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.name = spec.name

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> BusinessCalendar:
        return cls(CalendarSpec.model_validate(doc))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        raise NotImplementedError

    def between(self, start: datetime, end: datetime) -> timedelta:
        raise NotImplementedError

    def add_business_days(self, start: datetime, n: int) -> datetime:
        raise NotImplementedError

    def end_of_business_day(self, start: datetime, n: int = 1) -> datetime:
        raise NotImplementedError

    def is_open(self, at: datetime) -> bool:
        raise NotImplementedError

    def next_open(self, at: datetime) -> datetime:
        raise NotImplementedError

    def next_close(self, at: datetime) -> datetime | None:
        raise NotImplementedError

    def open_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals within [start, end), clipped: for explaining a deadline."""
        raise NotImplementedError
