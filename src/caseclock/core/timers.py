"""What fires, and when: the plan of a cycle's timers, not their effects.

A cycle's plan lists the timers that have fired or will fire given what is known at ``now``:
the warning (unless the cycle ended before it), the violation at the deadline (plus ``after``;
unless the cycle ended before it), while the cycle is open the next repetition of the violation
after ``now`` (every ``repeat_every``; its ``sequence`` counts the repetitions since the first,
so the ones that came and went are not listed), and the success at completion. Past timers stay
in the plan so that a success or a warning that a late event moved into the past is not lost:
the worker fires each ``(record, milestone, cycle, kind, sequence)`` once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from caseclock.core.actions import ViolationPlan, WarningPlan
from caseclock.core.cycles import Cycle
from caseclock.core.durations import Duration, DurationKind
from caseclock.core.instants import instant_us, timedelta_us
from caseclock.core.milestones import Milestone, Timer, TimerKind
from caseclock.core.periods import Months, Period, add_months

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_WARNING: Final = TimerKind.WARNING
_VIOLATION: Final = TimerKind.VIOLATION
_SUCCESS: Final = TimerKind.SUCCESS
_CALENDAR_TIME: Final = DurationKind.CALENDAR_TIME
_BUSINESS_TIME: Final = DurationKind.BUSINESS_TIME

_KIND_ORDER = {_WARNING: 0, _VIOLATION: 1, _SUCCESS: 2}


@dataclass(frozen=True, slots=True)
class WarningRule:
    """A definition's warning plan, parsed once per process: when the warning fires."""

    share: float  # of the target, when ``before`` is None
    before: Period | None  # an offset before the deadline

    @classmethod
    def of(cls, plan: WarningPlan) -> WarningRule:
        return cls(plan.effective_share(), plan.before_period())


@dataclass(frozen=True, slots=True)
class ViolationRule:
    """A definition's violation plan, parsed once per process: ``after`` the deadline, then
    every ``every``."""

    after: Duration | None
    every: Duration | None

    @classmethod
    def of(cls, plan: ViolationPlan) -> ViolationRule:
        after, every = plan.offsets()
        return cls(after, every)


def warning_us(rule: WarningRule, cycle: Cycle, target: timedelta) -> int | None:
    """When the warning fires (UTC microseconds): at a share of the target, or an offset
    before the deadline."""
    before = rule.before
    if before is None:
        return cycle.position_us(target * rule.share)
    if isinstance(before, Months) or before.kind is _CALENDAR_TIME:
        deadline_us = cycle.position_us(target)
        if deadline_us is None:
            return None
        if isinstance(before, Months):
            deadline = cycle.local(deadline_us)
            moved = add_months(deadline.astimezone(cycle.business.zone), -before.months)
            return max(instant_us(moved), cycle.started_us)
        return max(deadline_us - timedelta_us(before.amount), cycle.started_us)
    return cycle.position_us(max(target - before.amount, timedelta(0)))


def warning_instant(rule: WarningRule, cycle: Cycle, target: timedelta) -> datetime | None:
    """``warning_us`` as an instant in the zone of the cycle's clock."""
    found = warning_us(rule, cycle, target)
    return None if found is None else cycle.local(found)


def _business(offset: Duration | None, every: Duration | None) -> bool:
    return all(d is None or d.kind is _BUSINESS_TIME for d in (offset, every))


def _amount(duration: Duration | None) -> timedelta:
    return timedelta(0) if duration is None else duration.amount


def _violation_us(
    cycle: Cycle, target: timedelta, offset: Duration | None, every: Duration | None, k: int
) -> int | None:
    """The deadline moved by ``offset + k * every``: counted on the cycle's clock when both are
    business time, else in calendar time after the deadline."""
    if _business(offset, every):
        return cycle.position_us(target + _amount(offset) + k * _amount(every))
    deadline = cycle.position_us(target)
    moved = timedelta_us(_amount(offset) + k * _amount(every))
    return None if deadline is None else deadline + moved


def _repeats_due(cycle: Cycle, base: timedelta, first: int, every: Duration, now: int) -> int:
    """How many repetitions after the first violation (at ``base`` counted, at instant
    ``first``) came by ``now`` (instants in microseconds)."""
    step = timedelta_us(every.amount)
    if every.kind is _BUSINESS_TIME and base >= timedelta(0):
        return max((cycle.elapsed_us(now) - timedelta_us(base)) // step, 0)
    return max((now - first) // step, 0)


def violation_timers(rule: ViolationRule, cycle: Cycle, target: timedelta, now: int) -> list[Timer]:
    """The first violation (unless the cycle ended before it) and, while the cycle is open,
    the next repetition after ``now`` (microseconds), numbered by the repetitions due since the
    first."""
    offset, every = rule.after, rule.every
    first = _violation_us(cycle, target, offset, every, 0)
    end = cycle.ended_us
    if first is None or (end is not None and first >= end):
        return []
    timers = [Timer(cycle.local(first), cycle.key, cycle.number, _VIOLATION)]
    if end is not None or every is None or every.amount <= timedelta(0) or first > now:
        return timers
    base = target + _amount(offset) if _business(offset, every) else timedelta(-1)
    k = _repeats_due(cycle, base, first, every, now) + 1
    later = _violation_us(cycle, target, offset, every, k)
    while later is not None and later <= now:  # rounding at the edge of a repetition
        k += 1
        later = _violation_us(cycle, target, offset, every, k)
    if later is not None:
        at = cycle.local(later)
        timers.append(Timer(at, cycle.key, cycle.number, _VIOLATION, k))
    return timers


def plan_timers(
    cycle: Cycle,
    violation: ViolationRule | None,
    now: int,
    warning: int | None,
) -> tuple[Timer, ...]:
    """Every timer of one cycle, in order; ``violation`` None for a dated checkpoint; ``now``
    and the ``warning`` instant in microseconds."""
    timers: list[Timer] = []
    target = cycle.effective_target()
    end, end_us = cycle.ended_at, cycle.ended_us
    if warning is not None and (end_us is None or warning < end_us):
        timers.append(Timer(cycle.local(warning), cycle.key, cycle.number, _WARNING))
    if target is not None and violation is not None:
        timers += violation_timers(violation, cycle, target, now)
    if cycle.end_kind == "completed" and end is not None:
        timers.append(Timer(end, cycle.key, cycle.number, _SUCCESS))
    return tuple(timers)


def timer_order(timer: Timer) -> tuple[datetime, str, int, int, int]:
    return (timer.at, timer.milestone, timer.cycle, _KIND_ORDER[timer.kind], timer.sequence)


def next_timers(milestones: Iterable[Milestone], *, after: datetime | None = None) -> list[Timer]:
    """The timers of ``milestones`` in firing order; with ``after``, only those later than it.

    ``next_timers(ms, after=now)[0].at`` is when the record next needs attention.
    """
    timers = [t for m in milestones for t in m.timers if after is None or t.at > after]
    return sorted(timers, key=timer_order)
