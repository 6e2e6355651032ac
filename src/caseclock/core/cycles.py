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
from typing import Final, Literal, overload

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.events import Event
from caseclock.core.instants import instant_us, local_us, timedelta_us
from caseclock.core.targets import Clockwork, MonthAnchor, Resolved

_ZERO: Final = timedelta(0)
EndKind = Literal["completed", "cancelled"]
PauseSpans = list[tuple[datetime, datetime | None]]
# The same spans as UTC microseconds, after the cycle's start instant in microseconds.
PauseSpansUs = tuple[int, list[tuple[int, int | None]]]


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
    # ``start`` and ``end`` in UTC microseconds, so that merging pauses compares integers.
    start_us: int = field(default=0, repr=False, compare=False)
    end_us: int | None = field(default=None, repr=False, compare=False)

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
        start_us: int | None = None,  # ``start`` in microseconds, when the caller has it
    ) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.cause = cause
        self.event = event
        self.end_cause = end_cause
        self.end_event = end_event
        self.start_us = instant_us(start) if start_us is None else start_us
        self.end_us = None if end is None else instant_us(end)

    def close(self, end: datetime, end_us: int, cause: str, event: Event | None = None) -> None:
        """End the pause at ``end`` (``end_us`` in microseconds), saying why."""
        self.end, self.end_us, self.end_cause = end, end_us, cause
        if event is not None:
            self.end_event = event

    def reopen(self) -> None:
        """Undo ``close``: the pause holds again, with no end."""
        self.end = self.end_us = self.end_cause = self.end_event = None


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
    # Where month targets count from: the chain's first start and the months before this cycle.
    anchor: MonthAnchor | None = None
    # Set by ``freeze`` (the replay is over): positions, elapsed times and local instants
    # memoized by microsecond, and the effective target in microseconds.
    memo_positions: dict[int, int | None] | None = field(default=None, repr=False, compare=False)
    memo_elapsed: dict[int, int] | None = field(default=None, repr=False, compare=False)
    memo_local: dict[int, datetime] | None = field(default=None, repr=False, compare=False)
    frozen_target_us: int | None = field(default=None, repr=False, compare=False)
    # Set by ``freeze``: ``merged_pauses()`` as datetimes and as microseconds.
    frozen_pauses: PauseSpans | None = field(default=None, repr=False, compare=False)
    frozen_pauses_us: PauseSpansUs | None = field(default=None, repr=False, compare=False)
    # The start and the end as UTC microseconds: comparing aware datetimes of different zones
    # costs a utcoffset call on each side, comparing integers nothing.
    started_us: int = field(default=0, repr=False, compare=False)
    ended_us: int | None = field(default=None, repr=False, compare=False)
    # The most pauses may keep off the clock in all (counted time, microseconds; None: no cap),
    # and the instant they reached it (the clock runs from then on, paused or not).
    pause_cap_us: int | None = field(default=None, repr=False, compare=False)
    capped_us: int | None = field(default=None, repr=False, compare=False)
    # A completion was asked for at this instant and blocked by unmet success criteria.
    blocked_us: int | None = field(default=None, repr=False, compare=False)

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
        started_us: int | None = None,  # ``started_at`` in microseconds, when known
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
        self.anchor = None
        self.memo_positions = self.memo_elapsed = self.memo_local = None
        self.frozen_target_us = None
        self.frozen_pauses = None
        self.frozen_pauses_us = None
        self.started_us = instant_us(started_at) if started_us is None else started_us
        self.ended_us = None
        self.pause_cap_us = self.capped_us = self.blocked_us = None

    def set_end(self, at: datetime | None, at_us: int | None) -> None:
        """Set (or, with None, clear) the instant the cycle ended, in both forms."""
        self.ended_at, self.ended_us = at, at_us

    def freeze(self) -> None:
        """Mark the cycle final (the replay is over): its arithmetic may now be memoized."""
        self.capped_us = self.cap_reached_us()
        spans = self._merge(None, None)
        self.frozen_pauses = [(a, b) for _, _, a, b in spans]
        self.frozen_pauses_us = (self.started_us, [(a, b) for a, b, _, _ in spans])
        self.frozen_target_us = self.effective_target_us()
        self.memo_positions, self.memo_elapsed, self.memo_local = {}, {}, {}

    @property
    def clock(self) -> Clockwork:
        return self.target.clock

    def _calendar(self) -> BusinessCalendar | None:
        """The business calendar the cycle counts on, or None on the wall clock."""
        clock = self.target.clock
        return clock if isinstance(clock, BusinessCalendar) else None

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
        return max(total, _ZERO)

    def effective_target_us(self) -> int | None:
        """``effective_target`` in microseconds."""
        if self.memo_positions is not None:
            return self.frozen_target_us
        target = self.effective_target()
        return None if target is None else timedelta_us(target)

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
        spans = self._merge(None if until is None else instant_us(until), until)
        return [(a, b) for _, _, a, b in spans]

    def _merge(self, until_us: int | None, until: datetime | None) -> list[_MergedSpan]:
        """``merged_pauses`` as (start, end) in microseconds and as the datetimes they came
        from, compared as integers only; cut at the ``pause_cap``."""
        spans = self._uncapped(until_us, until)
        if self.pause_cap_us is None or not spans:
            return spans
        return self._capped(spans, self.pause_cap_us)[0]

    def _uncapped(self, until_us: int | None, until: datetime | None) -> list[_MergedSpan]:
        """The pauses merged and clipped, before any ``pause_cap`` cuts them."""
        stop_us, stop = self.ended_us, self.ended_at
        if until_us is not None and (stop_us is None or until_us < stop_us):
            stop_us, stop = until_us, until
        if not self.pauses:
            return _NO_SPANS
        spans: list[_MergedSpan] = []
        for pause in sorted(self.pauses, key=_start_us):
            start_us, start = pause.start_us, pause.start
            if start_us < self.started_us:
                start_us, start = self.started_us, self.started_at
            end, end_us = pause.end, pause.end_us
            if stop_us is not None and (end_us is None or stop_us < end_us):
                end_us, end = stop_us, stop
            if (stop_us is not None and start_us >= stop_us) or (
                end_us is not None and end_us <= start_us
            ):
                continue
            if spans and (spans[-1][1] is None or start_us <= spans[-1][1]):
                last_start_us, last_end_us, last_start, _ = spans[-1]
                if last_end_us is None or end_us is None:
                    spans[-1] = (last_start_us, None, last_start, None)
                elif end_us > last_end_us:
                    spans[-1] = (last_start_us, end_us, last_start, end)
            else:
                spans.append((start_us, end_us, start, end))
        return spans

    def _capped(self, spans: list[_MergedSpan], cap: int) -> tuple[list[_MergedSpan], int | None]:
        """The merged pauses cut where together they have kept ``cap`` of counted time off the
        clock, and that instant (None if they never do): the clock runs from then on, paused
        or not. Cutting is done from the start, so clipping at an instant first (``until``)
        gives the same spans up to it."""
        calendar = self._calendar()
        left = cap
        kept: list[_MergedSpan] = []
        for start_us, end_us, start, end in spans:
            if left <= 0:
                return kept, start_us
            if end_us is not None:
                held = _count_us(calendar, start_us, end_us)
                if held <= left:
                    left -= held
                    kept.append((start_us, end_us, start, end))
                    continue
            cut = _add_us(calendar, start_us, left)
            if end_us is not None:
                cut = min(cut, end_us)  # a business-time cut never lands past the pause's end
            if cut > start_us:
                kept.append((start_us, cut, start, self.local(cut)))
            return kept, cut
        return kept, None

    def cap_reached_us(self) -> int | None:
        """The instant the pauses reached the definition's ``pause_cap`` (None: never, or no
        cap); from then on the clock runs though the record may still be paused."""
        if self.pause_cap_us is None:
            return None
        if self.frozen_pauses is not None:
            return self.capped_us
        return self._capped(self._uncapped(None, None), self.pause_cap_us)[1]

    def paused_before(self, until: datetime) -> bool:
        """Whether a pause kept the clock off before ``until``."""
        return self.paused_before_us(instant_us(until))

    def paused_before_us(self, until: int) -> bool:
        """``paused_before`` for an instant in microseconds (``merged_pauses(until)`` is not
        empty: the merged spans are sorted and none is empty)."""
        pauses = self._pauses_us()[1]
        return bool(pauses) and pauses[0][0] < until

    def paused_at_us(self, at: int) -> bool:
        """Whether the clock is paused at instant ``at`` (microseconds)."""
        return any(a <= at and (b is None or at < b) for a, b in self._pauses_us()[1])

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
        return timedelta(0, 0, self.elapsed_us(instant_us(until)))

    def elapsed_us(self, until: int) -> int:
        """``elapsed`` in microseconds, for an instant in microseconds."""
        memo = self.memo_elapsed
        if memo is None:
            return self._elapsed_us(until)
        found = memo.get(until)
        if found is None:
            found = memo[until] = self._elapsed_us(until)
        return found

    def _elapsed_us(self, until: int) -> int:
        """The open time of the running segments, the pauses clipped to ``until`` (as
        ``running_segments`` does), on the business calendar or the wall clock."""
        calendar = self._calendar()
        cursor, pauses = self._pauses_us()
        total = 0
        for start, end in pauses:
            if start >= until:
                break
            if start > cursor:
                total += _count_us(calendar, cursor, start)
            if end is None or end >= until:
                return total
            cursor = max(cursor, end)
        if until > cursor:
            total += _count_us(calendar, cursor, until)
        return total

    def open_time(self, until: datetime) -> timedelta:
        """Counted time on the cycle's clock from its start to ``until``, pauses included."""
        return timedelta(0, 0, self.open_time_us(instant_us(until)))

    def open_time_us(self, until: int) -> int:
        """``open_time`` in microseconds, for an instant in microseconds."""
        return _count_us(self._calendar(), self.started_us, until)

    def position(self, amount: timedelta) -> datetime | None:
        """The instant at which ``amount`` has been counted; None inside an endless pause."""
        return self.local(self.position_us(timedelta_us(amount)))

    def position_us(self, amount: int) -> int | None:
        """``position`` for an amount and an instant in microseconds."""
        memo = self.memo_positions
        if memo is None:
            return self._position_us(amount)
        if amount in memo:
            return memo[amount]
        found = memo[amount] = self._position_us(amount)
        return found

    @overload
    def local(self, t: int) -> datetime: ...

    @overload
    def local(self, t: None) -> None: ...

    def local(self, t: int | None) -> datetime | None:
        """Instant ``t`` in the zone of the cycle's clock (the start's zone on the wall clock)."""
        if t is None:
            return None
        memo = self.memo_local
        if memo is not None and t in memo:
            return memo[t]
        calendar = self._calendar()
        found = local_us(t, self.started_at.tzinfo if calendar is None else calendar.zone)
        if memo is not None:
            memo[t] = found
        return found

    def _position_us(self, amount: int) -> int | None:
        calendar = self._calendar()
        if calendar is not None and amount < 0:
            raise ValueError(f"duration must not be negative (got {timedelta(0, 0, amount)})")
        start, pauses = self._pauses_us()
        return _reach(start, pauses, amount, calendar)

    def _pauses_us(self) -> PauseSpansUs:
        """The start and ``merged_pauses()`` in microseconds (computed once when frozen)."""
        if self.frozen_pauses_us is not None:
            return self.frozen_pauses_us
        return self.started_us, [(a, b) for a, b, _, _ in self._merge(None, None)]

    def deadline(self) -> datetime | None:
        return self.local(self.deadline_us())

    def month_anchor(self) -> MonthAnchor:
        """Where month targets count from in this cycle: its chain's start and the months
        before it (its own start and none when it starts a chain)."""
        return self.anchor if self.anchor is not None else (self.started_at, 0)

    def next_anchor(self, start_us: int) -> MonthAnchor | None:
        """The month anchor of a repeat starting at ``start_us``: this cycle's chain, one
        target on, when the repeat starts at this cycle's deadline after a month target."""
        months = self.target.months
        if months == 0 or start_us != self.deadline_us():
            return None
        first, before = self.month_anchor()
        return (first, before + months)

    def counts_business_time(self) -> bool:
        """Whether the cycle counts on its business calendar (else on the wall clock)."""
        return self._calendar() is not None

    def violated_us(self, now: int) -> int | None:
        """The first instant (microseconds) the cycle was past a deadline it had then, by
        ``now``; None if it never was. An extend or shorten moves the deadline from the
        override on, never back in time: a breach before it stays one."""
        end = now if self.ended_us is None else min(self.ended_us, now)
        target = self.target.amount
        if target is None:
            return None
        total = timedelta_us(target)
        for adjustment in self.adjustments:
            at = instant_us(adjustment.at)
            deadline = self.position_us(max(total, 0))
            if deadline is not None and deadline < min(at, end):
                return deadline
            change = timedelta_us(adjustment.amount)
            total += change if adjustment.kind == "extend" else -change
        deadline = self.position_us(max(total, 0))
        if deadline is None:
            return None
        if self.ended_us is not None and self.ended_us <= now:
            return deadline if self.ended_us > deadline else None
        return deadline if now >= deadline else None

    def deadline_us(self) -> int | None:
        target = self.effective_target_us()
        return None if target is None else self.position_us(target)


_MergedSpan = tuple[int, int | None, datetime, datetime | None]
_NO_SPANS: Final[list[_MergedSpan]] = []  # shared, never changed: most cycles never pause


def _start_us(pause: Pause) -> int:
    return pause.start_us


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
            available = _count_us(calendar, cursor, pause_start)
            if available >= remaining:
                return _add_us(calendar, cursor, remaining)
            remaining -= available
        if pause_end is None:
            return None
        cursor = max(cursor, pause_end)
    return _add_us(calendar, cursor, remaining)


def _count_us(calendar: BusinessCalendar | None, t0: int, t1: int) -> int:
    """Counted time in [t0, t1): open time on ``calendar``, every microsecond on the wall clock
    (``calendar`` None)."""
    return t1 - t0 if calendar is None else calendar.between_us(t0, t1)


def _add_us(calendar: BusinessCalendar | None, t: int, amount: int) -> int:
    """The instant ``amount`` of counted time after ``t`` (see ``_count_us``)."""
    return t + amount if calendar is None else calendar.add_us(t, amount)
