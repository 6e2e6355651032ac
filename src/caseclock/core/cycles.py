"""One run of a milestone definition, and the arithmetic of its clock.

A cycle is a start instant, a target on a clock, the intervals during which it was paused
(each with the event that caused it) and the overrides that moved its target. Elapsed time,
the deadline and the warning are derived from those facts, never counted on the side:
elapsed business time is the calendar's open time over the cycle's running segments, and the
deadline is the instant at which it reaches the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.events import Event
from caseclock.core.instants import instant_us, local_us
from caseclock.core.targets import Clockwork, Resolved

EndKind = Literal["completed", "cancelled"]
PauseSpans = list[tuple[datetime, datetime | None]]
# The same spans as UTC microseconds, after the cycle's start instant in microseconds.
PauseSpansUs = tuple[int, list[tuple[int, int | None]]]
_MICROSECOND = timedelta(microseconds=1)


@dataclass(init=False)
class Pause:
    """An interval during which the clock did not run, with what started and ended it."""

    start: datetime
    end: datetime | None
    kind: Literal["condition", "override", "closed"]
    cause: str
    event: Event | None = None
    end_cause: str | None = None
    end_event: Event | None = None

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(  # noqa: PLR0917 (positional, like the fields it mirrors)
        self,
        start: datetime,
        end: datetime | None,
        kind: Literal["condition", "override", "closed"],
        cause: str,
        event: Event | None = None,
        end_cause: str | None = None,
        end_event: Event | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.cause = cause
        self.event = event
        self.end_cause = end_cause
        self.end_event = end_event


@dataclass(init=False)
class Adjustment:
    """An override that moved the target (``extend`` or ``shorten``), with who and why."""

    at: datetime
    kind: Literal["extend", "shorten"]
    amount: timedelta
    text: str
    by: str
    reason: str
    event: Event

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(  # noqa: PLR0917 (positional, like the fields it mirrors)
        self,
        at: datetime,
        kind: Literal["extend", "shorten"],
        amount: timedelta,
        text: str,
        by: str,
        reason: str,
        event: Event,
    ) -> None:
        self.at = at
        self.kind = kind
        self.amount = amount
        self.text = text
        self.by = by
        self.reason = reason
        self.event = event


@dataclass(init=False)
class Cycle:
    """One cycle of one definition on one record, as replayed from the timeline."""

    key: str
    number: int
    started_at: datetime
    calendar: str
    business: BusinessCalendar
    target: Resolved
    start_cause: str
    start_event: Event | None = None
    pauses: list[Pause] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[tuple[datetime, str]] = field(default_factory=list)
    ended_at: datetime | None = None
    end_kind: EndKind | None = None
    end_cause: str | None = None
    end_event: Event | None = None
    ended_by_close: bool = False
    owner: str | None = None
    memo: dict[tuple[str, object], object] | None = None  # set by ``freeze``
    # Set by ``freeze``: ``merged_pauses()`` as datetimes and as microseconds.
    frozen_pauses: PauseSpans | None = field(default=None, repr=False, compare=False)
    frozen_pauses_us: PauseSpansUs | None = field(default=None, repr=False, compare=False)

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(  # noqa: PLR0917 (positional, like the fields it mirrors)
        self,
        key: str,
        number: int,
        started_at: datetime,
        calendar: str,
        business: BusinessCalendar,
        target: Resolved,
        start_cause: str,
        start_event: Event | None = None,
    ) -> None:
        self.key = key
        self.number = number
        self.started_at = started_at
        self.calendar = calendar
        self.business = business
        self.target = target
        self.start_cause = start_cause
        self.start_event = start_event
        self.pauses = []
        self.adjustments = []
        self.notes = []
        self.ended_at = None
        self.end_kind = None
        self.end_cause = None
        self.end_event = None
        self.ended_by_close = False
        self.owner = None
        self.memo = None
        self.frozen_pauses = None
        self.frozen_pauses_us = None

    def freeze(self) -> None:
        """Mark the cycle final (the replay is over): its arithmetic may now be memoized."""
        self.memo = {}
        self.frozen_pauses = self.merged_pauses()
        self.frozen_pauses_us = self._pauses_us()

    @property
    def clock(self) -> Clockwork:
        return self.target.clock

    @property
    def is_open(self) -> bool:
        return self.end_kind is None

    def effective_target(self) -> timedelta | None:
        """The target after every extend and shorten override (never below zero)."""
        if self.target.amount is None:
            return None
        total = self.target.amount
        for adjustment in self.adjustments:
            total += adjustment.amount if adjustment.kind == "extend" else -adjustment.amount
        return max(total, timedelta(0))

    def open_pause(self) -> Pause | None:
        for pause in reversed(self.pauses):
            if pause.end is None:
                return pause
        return None

    def merged_pauses(
        self, until: datetime | None = None
    ) -> list[tuple[datetime, datetime | None]]:
        """Pause intervals merged, clipped to [start, end of cycle, ``until``]."""
        if until is None and self.frozen_pauses is not None:
            return self.frozen_pauses
        stop = _earliest(self.ended_at, until)
        spans: PauseSpans = []
        for pause in sorted(self.pauses, key=lambda p: p.start):
            start = max(pause.start, self.started_at)
            end = _earliest(pause.end, stop)
            if (stop is not None and start >= stop) or (end is not None and end <= start):
                continue
            if spans and (spans[-1][1] is None or start <= spans[-1][1]):
                last_start, last_end = spans[-1]
                merged = None if last_end is None or end is None else max(last_end, end)
                spans[-1] = (last_start, merged)
            else:
                spans.append((start, end))
        return spans

    def paused_before(self, until: datetime) -> bool:
        """Whether a pause kept the clock off before ``until`` (``merged_pauses(until)`` is not
        empty: the merged spans are sorted and none is empty)."""
        pauses = self.merged_pauses()
        return bool(pauses) and pauses[0][0] < until

    def running_segments(self, until: datetime) -> list[tuple[datetime, datetime]]:
        """The intervals of [start, ``until``) during which the clock ran."""
        segments = []
        cursor = self.started_at
        for start, end in self.merged_pauses(until):
            if start > cursor:
                segments.append((cursor, start))
            if end is None:
                return segments
            cursor = max(cursor, end)
        if until > cursor:
            segments.append((cursor, until))
        return segments

    def elapsed(self, until: datetime) -> timedelta:
        """Counted time on the cycle's clock from its start to ``until`` (pauses left out)."""
        if self.memo is None:
            return self._elapsed(until)
        key = ("elapsed", until)
        if key not in self.memo:
            self.memo[key] = self._elapsed(until)
        return self.memo[key]  # type: ignore[return-value]

    def _elapsed(self, until: datetime) -> timedelta:
        clock = self.clock
        if isinstance(clock, BusinessCalendar):
            return timedelta(microseconds=self._elapsed_us(clock, instant_us(until)))
        return sum((clock.between(a, b) for a, b in self.running_segments(until)), timedelta(0))

    def _elapsed_us(self, calendar: BusinessCalendar, until: int) -> int:
        """``_elapsed`` on a business calendar, in microseconds: the open time of the running
        segments, the pauses clipped to ``until`` (as ``running_segments`` does)."""
        cursor, pauses = self._pauses_us()
        total = 0
        for start, end in pauses:
            if start >= until:
                break
            if start > cursor:
                total += calendar.between_us(cursor, start)
            if end is None or end >= until:
                return total
            cursor = max(cursor, end)
        if until > cursor:
            total += calendar.between_us(cursor, until)
        return total

    def open_time(self, until: datetime) -> timedelta:
        """Counted time on the cycle's clock from its start to ``until``, pauses included."""
        clock = self.clock
        if isinstance(clock, BusinessCalendar):
            start = self._pauses_us()[0]
            return timedelta(microseconds=clock.between_us(start, instant_us(until)))
        return clock.between(self.started_at, until)

    def position(self, amount: timedelta) -> datetime | None:
        """The instant at which ``amount`` has been counted; None inside an endless pause."""
        if self.memo is None:
            return self._position(amount)
        key = ("position", amount)
        if key not in self.memo:
            self.memo[key] = self._position(amount)
        return self.memo[key]  # type: ignore[return-value]

    def _position(self, amount: timedelta) -> datetime | None:
        clock = self.clock
        calendar = clock if isinstance(clock, BusinessCalendar) else None
        if calendar is not None and amount < timedelta(0):
            raise ValueError(f"duration must not be negative (got {amount})")
        start, pauses = self._pauses_us()
        found = _reach(start, pauses, amount // _MICROSECOND, calendar)
        if found is None:
            return None
        return local_us(found, self.started_at.tzinfo if calendar is None else calendar.zone)

    def _pauses_us(self) -> PauseSpansUs:
        """The start and ``merged_pauses()`` in microseconds (computed once when frozen)."""
        if self.frozen_pauses_us is not None:
            return self.frozen_pauses_us
        spans = [
            (instant_us(start), None if end is None else instant_us(end))
            for start, end in self.merged_pauses()
        ]
        return instant_us(self.started_at), spans

    def deadline(self) -> datetime | None:
        target = self.effective_target()
        return None if target is None else self.position(target)


def _reach(
    start: int,
    pauses: list[tuple[int, int | None]],
    amount: int,
    calendar: BusinessCalendar | None,
) -> int | None:
    """The instant (UTC microseconds) at which ``amount`` has been counted from ``start``,
    stepping over the merged ``pauses``; None inside an endless pause. Counted on ``calendar``,
    or on the wall clock (every microsecond counts) when it is None."""
    cursor, remaining = start, amount
    for pause_start, pause_end in pauses:
        if pause_start > cursor:
            available = (
                pause_start - cursor
                if calendar is None
                else calendar.between_us(cursor, pause_start)
            )
            if available >= remaining:
                return (
                    cursor + remaining if calendar is None else calendar.add_us(cursor, remaining)
                )
            remaining -= available
        if pause_end is None:
            return None
        cursor = max(cursor, pause_end)
    return cursor + remaining if calendar is None else calendar.add_us(cursor, remaining)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
