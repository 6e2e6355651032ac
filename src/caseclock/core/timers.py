"""What fires, and when: the plan of a cycle's timers, not their effects.

A cycle's plan lists the timers that have fired or will fire given what is known at ``now``:
the warning and the further warnings of a ladder (sequence 1, 2, ...; each unless the cycle
ended before it), the violation at the deadline (plus ``after``;
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

_KIND_ORDER = {_WARNING: 0, _VIOLATION: 1, _SUCCESS: 2}


@dataclass(frozen=True, slots=True)
class WarningRule:
    """A definition's warning plan, parsed once per process: when the warning fires."""

    before: Period | None  # an offset before the deadline
    ratio: tuple[int, int]  # else the share of the target, as an exact fraction

    @classmethod
    def of(cls, plan: WarningPlan) -> WarningRule:
        return cls(plan.before_period(), plan.effective_share().as_integer_ratio())


@dataclass(frozen=True, slots=True)
class ViolationRule:
    """A definition's violation plan, parsed once per process: ``after`` the deadline, then
    every ``every`` (both also in microseconds; ``business`` when both count business time)."""

    after: Duration | None
    every: Duration | None
    after_us: int
    every_us: int
    business: bool

    @classmethod
    def of(cls, plan: ViolationPlan) -> ViolationRule:
        after, every = plan.offsets()
        business = all(d is None or d.kind is DurationKind.BUSINESS_TIME for d in (after, every))
        return cls(after, every, _us(after), _us(every), business)


def _us(duration: Duration | None) -> int:
    return 0 if duration is None else timedelta_us(duration.amount)


def _share(amount: int, ratio: tuple[int, int]) -> int:
    """``amount * share`` rounded half to even, as ``timedelta * float`` rounds."""
    numerator, denominator = ratio
    quotient, rest = divmod(amount * numerator, denominator)
    twice = 2 * rest
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def warning_us(rule: WarningRule, cycle: Cycle, target: int) -> int | None:
    """When the warning fires, for a ``target`` in microseconds (an instant in microseconds):
    at a share of the target, or an offset before the deadline."""
    before = rule.before
    if before is None:
        return cycle.position_us(_share(target, rule.ratio))
    if isinstance(before, Months) or before.kind is _CALENDAR_TIME:
        deadline_us = cycle.position_us(target)
        if deadline_us is None:
            return None
        if isinstance(before, Months):
            deadline = cycle.local(deadline_us)
            moved = add_months(deadline.astimezone(cycle.business.zone), -before.months)
            return max(instant_us(moved), cycle.started_us)
        return max(deadline_us - timedelta_us(before.amount), cycle.started_us)
    return cycle.position_us(max(target - timedelta_us(before.amount), 0))


def warning_instant(rule: WarningRule, cycle: Cycle, target: timedelta) -> datetime | None:
    """``warning_us`` as an instant in the zone of the cycle's clock."""
    found = warning_us(rule, cycle, timedelta_us(target))
    return None if found is None else cycle.local(found)


def _violation_us(cycle: Cycle, target: int, rule: ViolationRule, k: int) -> int | None:
    """The deadline moved by ``after + k * every``: counted on the cycle's clock when both are
    business time, else in calendar time after the deadline (microseconds)."""
    moved = rule.after_us + k * rule.every_us
    if rule.business:
        return cycle.position_us(target + moved)
    deadline = cycle.position_us(target)
    return None if deadline is None else deadline + moved


def _repeats_due(cycle: Cycle, target: int, rule: ViolationRule, first: int, now: int) -> int:
    """How many repetitions after the first violation (at instant ``first``) came by ``now``
    (microseconds)."""
    step = rule.every_us
    if rule.business:  # ``every`` counts business time too
        return max((cycle.elapsed_us(now) - (target + rule.after_us)) // step, 0)
    return max((now - first) // step, 0)


def violation_timers(rule: ViolationRule, cycle: Cycle, target: int, now: int) -> list[Timer]:
    """The first violation (unless the cycle ended before it) and, while the cycle is open,
    the next repetition after ``now``, numbered by the repetitions due since the first
    (``target`` and instants in microseconds)."""
    first = _violation_us(cycle, target, rule, 0)
    end = cycle.ended_us
    if first is None or (end is not None and first >= end):
        return []
    timers = [Timer(cycle.local(first), cycle.key, cycle.number, _VIOLATION)]
    if end is not None or rule.every is None or rule.every_us <= 0 or first > now:
        return timers
    k = _repeats_due(cycle, target, rule, first, now) + 1
    later = _violation_us(cycle, target, rule, k)
    while later is not None and later <= now:  # rounding at the edge of a repetition
        k += 1
        later = _violation_us(cycle, target, rule, k)
    if later is not None:
        timers.append(Timer(cycle.local(later), cycle.key, cycle.number, _VIOLATION, k))
    return timers


def plan_timers(
    cycle: Cycle,
    violation: ViolationRule | None,
    now: int,
    warning: int | None,
    rungs: list[int | None] | None = None,
) -> tuple[Timer, ...]:
    """Every timer of one cycle, in order; ``violation`` None for a dated checkpoint; ``now``
    and the ``warning`` instant in microseconds; ``rungs`` the instants of a warning ladder's
    further warnings (sequence 1, 2, ...)."""
    timers: list[Timer] = []
    target = cycle.effective_target_us()
    end, end_us = cycle.ended_at, cycle.ended_us
    if warning is not None and (end_us is None or warning < end_us):
        timers.append(Timer(cycle.local(warning), cycle.key, cycle.number, _WARNING))
    if rungs is not None:
        for sequence, rung in enumerate(rungs, start=1):
            if rung is not None and (end_us is None or rung < end_us):
                timers.append(Timer(cycle.local(rung), cycle.key, cycle.number, _WARNING, sequence))
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
