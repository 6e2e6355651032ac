"""Calendars: validated documents in the store, business calendars for the arithmetic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import MINUTES_PER_DAY, CalendarSpec
from caseclock.core.validation import describe_validation_error
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services.document_cache import DocumentCache
from caseclock.store.models import CalendarRow, CalendarVersionRow
from caseclock.store.repositories.policy import CalendarPinRepository, CalendarRepository


def parse_calendar(document: Mapping[str, Any], prefix: str = "") -> CalendarSpec:
    try:
        return CalendarSpec.model_validate(document)
    except ValidationError as exc:
        first = describe_validation_error(exc, prefix)[0]
        path, _, message = first.partition(": ")
        raise ValidationFailed(message or first, path=path or None) from None


def calendar_document(spec: CalendarSpec) -> dict[str, Any]:
    """The spec as the document a person writes (``"09:00"`` times), which validates back.

    ``CalendarSpec`` keeps hours as minutes after midnight, so its plain dump would not load.
    """
    document = spec.model_dump(mode="json", exclude_none=True)
    document["week"] = {day: _hours(hours) for day, hours in spec.week.items()}
    document["exceptions"] = [
        {"date": e.date.isoformat(), "hours": _hours(e.hours)} for e in spec.exceptions
    ]
    return document


def _hours(intervals: Iterable[tuple[int, int]]) -> list[list[str]]:
    return [[_clock(start), _clock(end)] for start, end in intervals]


def _clock(minutes: int) -> str:
    if minutes == MINUTES_PER_DAY:
        return "24:00"
    hours, rest = divmod(minutes % MINUTES_PER_DAY, 60)
    return f"{hours:02d}:{rest:02d}"


def put_calendar(
    session: Session, spec: CalendarSpec, *, now: datetime, replace: bool
) -> tuple[CalendarRow, bool]:
    """Store ``spec``; return the row and whether anything changed.

    Without ``replace``, a different calendar under an existing name is a conflict; the same
    document again is accepted and changes nothing (safe to retry). A change is a new version
    of the calendar: the open records running then keep the version they had (they are pinned
    to it) until a policy migration moves them (``docs/policy-changes.md``).
    """
    repo = CalendarRepository(session)
    document = calendar_document(spec)
    row = repo.get(spec.name)
    if row is None:
        row = repo.add(
            CalendarRow(name=spec.name, document=document, created_at=now, updated_at=now)
        )
        repo.add_version(
            CalendarVersionRow(name=spec.name, version=1, document=document, created_at=now)
        )
        return row, True
    if row.document == document:
        return row, False
    if not replace:
        raise Conflict(
            f"calendar {spec.name!r} exists with other hours; apply a policy bundle to change it",
            path="name",
        )
    CalendarPinRepository(session).pin_open_records(spec.name, row.version)
    row.document = document
    row.updated_at = now
    row.version += 1
    repo.add_version(
        CalendarVersionRow(name=spec.name, version=row.version, document=document, created_at=now)
    )
    session.flush()
    return row, True


def get_calendar(session: Session, name: str) -> CalendarRow:
    row = CalendarRepository(session).get(name)
    if row is None:
        raise NotFound(f"no calendar named {name!r}")
    return row


def list_calendars(session: Session) -> Sequence[CalendarRow]:
    return CalendarRepository(session).list()


_BUILT: DocumentCache[BusinessCalendar] = DocumentCache()


def business_calendar(document: Mapping[str, Any]) -> BusinessCalendar:
    """The calendar of a stored document, shared across requests while the document is the same.

    A ``BusinessCalendar`` is an immutable value that warms internal caches (holidays, open
    spans) as it is used, so reusing it keeps per-request arithmetic cheap.
    """
    return _BUILT.get(document, lambda: BusinessCalendar(CalendarSpec.model_validate(document)))


class CalendarCache:
    """The stored calendars, read once per unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._built: dict[str, BusinessCalendar] | None = None
        self._pinned: dict[frozenset[tuple[str, int]], Mapping[str, BusinessCalendar]] = {}

    def all(self) -> Mapping[str, BusinessCalendar]:
        if self._built is None:
            self._built = {
                row.name: business_calendar(row.document)
                for row in CalendarRepository(self._session).list()
            }
        return self._built

    def pinned(self, pins: Mapping[str, int]) -> Mapping[str, BusinessCalendar]:
        """The calendars as a record pinned to ``pins`` (name -> version) counts on them."""
        key = frozenset(pins.items())
        if key not in self._pinned:
            documents = CalendarRepository(self._session).version_documents(pins.items())
            self._pinned[key] = {
                **self.all(),
                **{name: business_calendar(documents[(name, v)]) for name, v in pins.items()},
            }
        return self._pinned[key]

    def get(self, name: str | None) -> BusinessCalendar | None:
        return None if name is None else self.all().get(name)

    def names(self) -> Iterable[str]:
        return self.all().keys()
