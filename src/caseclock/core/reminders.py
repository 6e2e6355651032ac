"""When a customer milestone's reminders go out.

Reminders come at each offset before the due date (``2mo``, ``1mo``, ``15d``, ``1w``), earliest
first, then every ``repeat`` until the milestone is done: the first repeat one period after the
last offset reminder (on the due date itself when there are no offsets), past the due date too,
each counted from that first date so monthly repeats do not drift. A reminder day that is closed
on the milestone's calendar moves to the previous open day (a reminder comes early, never late);
two reminders that land on the same day are one. Each goes out at ``send_at`` (09:00 by
default) on its day in the milestone's zone.

A reminder's ``sequence`` is its place in this series; the series belongs to one due date, so a
milestone whose due date moves starts a new series (the worker's ledger keys it by both).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from caseclock.core.account_plans import ReminderSpec
from caseclock.core.day_offsets import (
    DayOffset,
    OpenDay,
    backwards,
    parse_offset,
    previous_open_day,
    shift,
    weekdays,
)

SEND_AT = time(9, 0)
_ENDLESS = 100_000  # repeats are looked at lazily; this only bounds a runaway loop


@dataclass(frozen=True, slots=True)
class Reminder:
    sequence: int
    day: date
    at: datetime
    label: str  # "2mo before", or "repeat 3" for the third repeat


def reminder_days(
    spec: ReminderSpec, due: date, *, is_open: OpenDay = weekdays
) -> Iterator[tuple[int, date, str]]:
    """The series ``(sequence, day, label)`` in order; endless when ``spec.repeat`` is set."""
    offsets = sorted(
        ((shift(due, backwards(parse_offset(t))), t) for t in spec.before), key=lambda p: p[0]
    )
    last: date | None = None
    sequence = 0
    for day, text in offsets:
        moved = previous_open_day(day, is_open)
        if last is None or moved > last:
            sequence += 1
            last = moved
            yield sequence, moved, f"{text} before"
    if spec.repeat is None:
        return
    step = parse_offset(spec.repeat)
    base = offsets[-1][0] if offsets else due
    first = 1 if offsets else 0
    for k in range(first, _ENDLESS):
        day = shift(base, DayOffset(step.unit, step.amount * k, step.text), is_open)
        moved = previous_open_day(day, is_open)
        if last is None or moved > last:
            sequence += 1
            last = moved
            yield sequence, moved, "on the due date" if day == due else f"repeat every {step}"


def _instant(day: date, zone: tzinfo, send_at: time) -> datetime:
    return datetime.combine(day, send_at, tzinfo=zone)


def reminders_between(
    spec: ReminderSpec,
    due: date,
    zone: tzinfo,
    *,
    after: datetime | None,
    until: datetime,
    is_open: OpenDay = weekdays,
    send_at: time = SEND_AT,
) -> list[Reminder]:
    """The reminders with ``after < at <= until`` (``after`` None: from the first)."""
    found = []
    for sequence, day, label in reminder_days(spec, due, is_open=is_open):
        at = _instant(day, zone, send_at)
        if at > until:
            break
        if after is None or at > after:
            found.append(Reminder(sequence, day, at, label))
    return found


def next_reminder(
    spec: ReminderSpec,
    due: date,
    zone: tzinfo,
    *,
    after: datetime | None,
    is_open: OpenDay = weekdays,
    send_at: time = SEND_AT,
) -> Reminder | None:
    """The first reminder later than ``after`` (None: the series' first), or None."""
    for sequence, day, label in reminder_days(spec, due, is_open=is_open):
        at = _instant(day, zone, send_at)
        if after is None or at > after:
            return Reminder(sequence, day, at, label)
    return None
