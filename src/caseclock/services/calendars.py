"""Calendars: validated documents in the store, business calendars for the arithmetic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import MINUTES_PER_DAY, CalendarSpec
from caseclock.core.policy import PolicyBundle
from caseclock.core.validation import describe_validation_error
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services.document_cache import DocumentCache
from caseclock.store.models import CalendarRow, CalendarVersionRow
from caseclock.store.repositories.policy import CalendarRepository


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
    row.document = document
    row.updated_at = now
    row.version += 1
    repo.add_version(
        CalendarVersionRow(name=spec.name, version=row.version, document=document, created_at=now)
    )
    session.flush()
    return row, True


def holiday_bundle(
    session: Session, name: str, days: Iterable[date], *, now: datetime
) -> PolicyBundle:
    """A bundle holding only calendar ``name`` with ``days`` added to its holidays: applied
    and migrated like any bundle, it moves open clocks onto the holiday on purpose (it holds
    neither processes nor rules, so it leaves them as they are). A day must be in the future
    in the calendar's zone (a holiday in the past would rewrite history) and not a holiday
    already; ``ValidationFailed`` naming it otherwise, ``NotFound`` for no such calendar."""
    row = get_calendar(session, name)
    spec = parse_calendar(row.document)
    today = now.astimezone(ZoneInfo(spec.timezone)).date()
    wanted = sorted(set(days))
    if not wanted:
        raise ValidationFailed("give at least one date", path="dates")
    for day in wanted:
        if day <= today:
            raise ValidationFailed(
                f"{day.isoformat()} is not in the future in {spec.timezone} (today is "
                f"{today.isoformat()}): a holiday added to running clocks is a future date",
                path="dates",
            )
        if day in spec.holidays:
            raise ValidationFailed(
                f"{day.isoformat()} is already a holiday of calendar {name!r}", path="dates"
            )
    document = calendar_document(spec)
    document["holidays"] = [d.isoformat() for d in sorted({*spec.holidays, *wanted})]
    return PolicyBundle(calendars=[parse_calendar(document)])


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


Versions = Mapping[str, int]  # calendar name -> version; a name not there: its version 1


def version_of(versions: Versions | None, name: str | None) -> int | None:
    """The version of calendar ``name`` a record holding ``versions`` counts on."""
    if name is None:
        return None
    return (versions or {}).get(name, 1)


class CalendarCache:
    """The stored calendars, read once per unit of work: as they read today, and as a record
    counts on them (``at``: the versions it holds; ``get(name, version)``: one of them)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, CalendarRow] | None = None
        self._built: dict[str, BusinessCalendar] | None = None
        self._at: dict[frozenset[tuple[str, int]], Mapping[str, BusinessCalendar]] = {}
        self._versions: dict[tuple[str, int], BusinessCalendar | None] = {}

    def _stored(self) -> dict[str, CalendarRow]:
        if self._rows is None:
            self._rows = {row.name: row for row in CalendarRepository(self._session).list()}
        return self._rows

    def all(self) -> Mapping[str, BusinessCalendar]:
        """Every calendar as it reads today (its newest version)."""
        if self._built is None:
            self._built = {
                name: business_calendar(row.document) for name, row in self._stored().items()
            }
        return self._built

    def newest(self) -> dict[str, int]:
        """Each calendar's newest version, by name."""
        return {name: row.version for name, row in self._stored().items()}

    def held_at_creation(self) -> dict[str, int] | None:
        """What a record created now holds: the calendars past their version 1 (None: none)."""
        held = {name: version for name, version in self.newest().items() if version > 1}
        return held or None

    def at(self, versions: Versions | None) -> Mapping[str, BusinessCalendar]:
        """The calendars as a record holding ``versions`` counts on them."""
        stored = self._stored()
        older = frozenset(
            (name, wanted)
            for name, row in stored.items()
            if (wanted := (versions or {}).get(name, 1)) != row.version
        )
        if not older:
            return self.all()
        if older not in self._at:
            documents = CalendarRepository(self._session).version_documents(older)
            self._at[older] = {
                **self.all(),
                **{
                    name: business_calendar(documents[(name, version)])
                    for name, version in older
                    if (name, version) in documents
                },
            }
        return self._at[older]

    def get(self, name: str | None, version: int | None = None) -> BusinessCalendar | None:
        """Calendar ``name`` at ``version`` (None: as it reads today)."""
        if name is None:
            return None
        row = self._stored().get(name)
        if row is None:
            return None
        if version is None or version == row.version:
            return self.all().get(name)
        if (name, version) not in self._versions:
            documents = CalendarRepository(self._session).version_documents([(name, version)])
            found = documents.get((name, version))
            self._versions[(name, version)] = (
                business_calendar(found) if found is not None else self.all().get(name)
            )
        return self._versions[(name, version)]

    def every_version(self) -> dict[tuple[str, int], BusinessCalendar]:
        """Every version of every calendar, by (name, version)."""
        return {
            key: business_calendar(document)
            for key, document in CalendarRepository(self._session).every_version().items()
        }

    def names(self) -> Iterable[str]:
        return self.all().keys()
