"""From a milestone's target document to an amount of time on a clock.

Business-time targets (``4h``) run on the milestone's business calendar. Business days
(``5bd``) and end of business day (``eobd``) are turned, at the cycle's start, into the
business time between the start and that deadline, so pauses and overrides apply to them
like to any other target. Calendar time (``30d``), months (``3mo``) and date fields
(``renewal_date``) run on the wall clock, every hour counting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.condition_spec import describe
from caseclock.core.conditions import (
    Facts,
    Predicate,
    as_instant,
    compile_condition,
    getter,
)
from caseclock.core.durations import Duration, DurationKind
from caseclock.core.instants import instant_us
from caseclock.core.periods import Months, Period, add_months
from caseclock.core.policy import CalendarChoice, Target, TargetValue

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_CALENDAR_TIME: Final = DurationKind.CALENDAR_TIME
_BUSINESS_TIME: Final = DurationKind.BUSINESS_TIME
_BUSINESS_DAYS: Final = DurationKind.BUSINESS_DAYS


class Clockwork(Protocol):
    """The arithmetic a milestone clock needs: a business calendar or the wall clock."""

    name: str

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...

    def open_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]: ...


def shift(at: datetime, delta: timedelta) -> datetime:
    """``at`` moved by real elapsed time (Python's aware arithmetic in one zone is wall time)."""
    return (at.astimezone(UTC) + delta).astimezone(at.tzinfo)


def real_delta(start: datetime, end: datetime) -> timedelta:
    """Real elapsed time from ``start`` to ``end``, whatever their zones."""
    return end.astimezone(UTC) - start.astimezone(UTC)


class WallClock:
    """Calendar time: every instant counts (account lifecycle and renewal milestones)."""

    name = "calendar time"

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return shift(start, duration)

    def between(self, start: datetime, end: datetime) -> timedelta:
        if end < start:
            raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
        return real_delta(start, end)

    def open_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        return [(start, end)] if start < end else []


WALL_CLOCK = WallClock()


def date_instant(value: object, calendar: BusinessCalendar) -> datetime | None:
    """A date field as an instant: a date at 00:00 in the calendar's zone; an aware datetime."""
    return as_instant(value, calendar.zone)


@dataclass(frozen=True, slots=True)
class CalendarRule:
    """A calendar choice compiled once per process: a fixed name, or a record field's value
    mapped (case ignored) to a calendar name."""

    name: str | None
    read: Callable[[Mapping[str, Any], Mapping[str, Any]], Any] | None  # the field, if by field
    mapping: dict[str, str]  # casefolded field value -> calendar name
    default: str

    @classmethod
    def of(cls, choice: CalendarChoice) -> CalendarRule:
        if choice.name is not None or choice.field is None:
            return cls(choice.name or "", None, {}, "")
        mapping = {k.casefold(): v for k, v in choice.map.items()}
        return cls(None, getter(choice.field), mapping, choice.default or "")

    def choose(self, fields: Mapping[str, Any], account: Mapping[str, Any], known: set[str]) -> str:
        """The calendar name for a record (``known``: the names that exist)."""
        if self.name is not None or self.read is None:
            return self.name or ""
        value = self.read(fields, account)
        if isinstance(value, str):
            mapped = self.mapping.get(value.casefold())
            if mapped is not None:
                return mapped
            if value in known:
                return value
        return self.default


@dataclass(init=False, unsafe_hash=True)
class Resolved:
    """A target fixed at a cycle's start: ``amount`` of time on ``clock``; ``months`` the
    calendar months it spans when it is a month or year target (else 0)."""

    clock: Clockwork
    amount: timedelta | None
    text: str
    reason: str
    months: int = 0

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(
        self,
        clock: Clockwork,
        amount: timedelta | None,
        text: str,
        reason: str,
        months: int = 0,
    ) -> None:
        self.clock = clock
        self.amount = amount
        self.text = text
        self.reason = reason
        self.months = months


# Where a chain of month targets counts from: the first cycle's start and the months before.
MonthAnchor = tuple[datetime, int]


def period_amount(
    period: Period,
    calendar: BusinessCalendar,
    ref: datetime,
    ref_us: int | None = None,
    anchor: MonthAnchor | None = None,
) -> Resolved:
    """``period`` counted from ``ref`` (``ref_us``: the same in microseconds, when known) as an
    amount on its clock. Months count from ``anchor`` when given (the start of a chain of
    repeats and the months already counted), so that clamping to a short month never
    shifts the dates after it: monthly from 31 January is 28 February, then 31 March."""
    if isinstance(period, Months):
        start, before = anchor if anchor is not None else (ref, 0)
        until = add_months(start.astimezone(calendar.zone), before + period.months)
        amount = max(real_delta(ref, until), timedelta(0))
        return Resolved(WALL_CLOCK, amount, period.text, "", period.months)
    return _duration_amount(period, calendar, instant_us(ref) if ref_us is None else ref_us)


def _duration_amount(duration: Duration, calendar: BusinessCalendar, t: int) -> Resolved:
    kind = duration.kind
    if kind is _CALENDAR_TIME:
        return Resolved(WALL_CLOCK, duration.amount, duration.text, "")
    if kind is _BUSINESS_TIME:
        return Resolved(calendar, duration.amount, duration.text, "")
    if kind is _BUSINESS_DAYS:
        until = calendar.add_business_days_us(t, duration.days)
    else:
        until = calendar.end_of_business_day_us(t, duration.days)
    amount = calendar.between_us(t, max(until, t))
    return Resolved(calendar, timedelta(0, 0, amount), duration.text, "")


@dataclass(frozen=True, slots=True)
class _Choice:
    """One target value (the default or a rule's), parsed once per process."""

    given: bool
    period: Period | None
    date_field: str | None
    text: str  # ``TargetValue.describe()``
    reason: str  # why it was chosen

    @classmethod
    def of(cls, value: TargetValue, reason: str) -> _Choice:
        return cls(value.is_given(), value.period(), value.date_field, value.describe(), reason)


@dataclass(frozen=True, slots=True)
class CompiledTarget:
    """A target with its rules compiled and its values parsed once per process."""

    target: Target
    default: _Choice
    rules: tuple[tuple[Predicate, _Choice], ...]

    @classmethod
    def of(cls, target: Target) -> CompiledTarget:
        rules = tuple(
            (compile_condition(r.when), _Choice.of(r, f"target rule {i + 1}: {describe(r.when)}"))
            for i, r in enumerate(target.rules)
        )
        return cls(target, _Choice.of(target, "default target"), rules)

    def resolve(
        self,
        facts: Facts,
        start: datetime,
        calendar: BusinessCalendar,
        start_us: int | None = None,
        anchor: MonthAnchor | None = None,
    ) -> Resolved:
        """The first matching rule's target (or the default) counted from ``start``
        (``start_us``: the same instant in microseconds, when the caller has it; ``anchor``:
        where months count from, see ``period_amount``)."""
        chosen = self.default
        for matches, rule in self.rules:
            if matches.test(facts):
                chosen = rule
                break
        reason = chosen.reason
        if not chosen.given:
            return Resolved(calendar, None, "none", f"{reason}: no rule matched and no default")
        if chosen.period is not None:
            resolved = period_amount(chosen.period, calendar, start, start_us, anchor)
            return Resolved(resolved.clock, resolved.amount, chosen.text, reason, resolved.months)
        field = getter(chosen.date_field or "")(facts.after, facts.account)
        due = date_instant(field, calendar)
        if due is None:
            return Resolved(WALL_CLOCK, None, chosen.text, reason)
        amount = max(real_delta(start, due), timedelta(0))
        return Resolved(WALL_CLOCK, amount, chosen.text, reason)


def amount_on(
    clock: Clockwork, period: Period, calendar: BusinessCalendar, ref: datetime
) -> timedelta:
    """``period`` counted from ``ref``, expressed as an amount on ``clock``. On the wall clock
    (a calendar-time milestone) hours and minutes are calendar time: ``4h`` is four hours,
    not the wall-clock span of four business hours."""
    if clock is WALL_CLOCK and isinstance(period, Duration) and period.kind is _BUSINESS_TIME:
        return period.amount
    resolved = period_amount(period, calendar, ref)
    amount = resolved.amount or timedelta(0)  # a period always yields an amount
    if resolved.clock is clock:
        return amount
    return clock.between(ref, resolved.clock.add(ref, amount))
