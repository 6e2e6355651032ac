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
from datetime import datetime, timedelta

from caseclock.core.actions import ViolationPlan, WarningPlan
from caseclock.core.cycles import Cycle
from caseclock.core.durations import Duration, DurationKind
from caseclock.core.milestones import Milestone, Timer, TimerKind
from caseclock.core.periods import Months, add_months
from caseclock.core.targets import real_delta, shift

_KIND_ORDER = {TimerKind.WARNING: 0, TimerKind.VIOLATION: 1, TimerKind.SUCCESS: 2}


def warning_instant(plan: WarningPlan, cycle: Cycle, target: timedelta) -> datetime | None:
    """When the warning fires: at a share of the target, or an offset before the deadline."""
    before = plan.before_period()
    if before is None:
        return cycle.position(target * plan.effective_share())
    if isinstance(before, Months) or before.kind is DurationKind.CALENDAR_TIME:
        deadline = cycle.position(target)
        if deadline is None:
            return None
        if isinstance(before, Months):
            return max(
                add_months(deadline.astimezone(cycle.business.zone), -before.months),
                cycle.started_at,
            )
        return max(shift(deadline, -before.amount), cycle.started_at)
    return cycle.position(max(target - before.amount, timedelta(0)))


def _business(offset: Duration | None, every: Duration | None) -> bool:
    return all(d is None or d.kind is DurationKind.BUSINESS_TIME for d in (offset, every))


def _amount(duration: Duration | None) -> timedelta:
    return timedelta(0) if duration is None else duration.amount


def _violation_at(
    cycle: Cycle, target: timedelta, offset: Duration | None, every: Duration | None, k: int
) -> datetime | None:
    """The deadline moved by ``offset + k * every``: counted on the cycle's clock when both are
    business time, else in calendar time after the deadline."""
    if _business(offset, every):
        return cycle.position(target + _amount(offset) + k * _amount(every))
    deadline = cycle.position(target)
    return None if deadline is None else shift(deadline, _amount(offset) + k * _amount(every))


def _repeats_due(
    cycle: Cycle, base: timedelta, first: datetime, every: Duration, now: datetime
) -> int:
    """How many repetitions after the first violation (at ``base`` counted) came by ``now``."""
    if every.kind is DurationKind.BUSINESS_TIME and base >= timedelta(0):
        return max(int((cycle.elapsed(now) - base) / every.amount), 0)
    return max(int(real_delta(first, now) / every.amount), 0)


def violation_timers(
    plan: ViolationPlan, cycle: Cycle, target: timedelta, now: datetime
) -> list[Timer]:
    """The first violation (unless the cycle ended before it) and, while the cycle is open,
    the next repetition after ``now``, numbered by the repetitions due since the first."""
    offset, every = plan.offsets()
    first = _violation_at(cycle, target, offset, every, 0)
    end = cycle.ended_at
    if first is None or (end is not None and first >= end):
        return []
    timers = [Timer(first, cycle.key, cycle.number, TimerKind.VIOLATION)]
    if end is not None or every is None or every.amount <= timedelta(0) or first > now:
        return timers
    base = target + _amount(offset) if _business(offset, every) else timedelta(-1)
    k = _repeats_due(cycle, base, first, every, now) + 1
    later = _violation_at(cycle, target, offset, every, k)
    while later is not None and later <= now:  # rounding at the edge of a repetition
        k += 1
        later = _violation_at(cycle, target, offset, every, k)
    if later is not None:
        timers.append(Timer(later, cycle.key, cycle.number, TimerKind.VIOLATION, k))
    return timers


def plan_timers(
    cycle: Cycle,
    violation: ViolationPlan | None,
    now: datetime,
    warning_at: datetime | None,
) -> tuple[Timer, ...]:
    """Every timer of one cycle, in order; ``violation`` None for a dated checkpoint."""
    timers: list[Timer] = []
    target = cycle.effective_target()
    end = cycle.ended_at
    if warning_at is not None and (end is None or warning_at < end):
        timers.append(Timer(warning_at, cycle.key, cycle.number, TimerKind.WARNING))
    if target is not None and violation is not None:
        timers += violation_timers(violation, cycle, target, now)
    if cycle.end_kind == "completed" and end is not None:
        timers.append(Timer(end, cycle.key, cycle.number, TimerKind.SUCCESS))
    return tuple(timers)


def timer_order(timer: Timer) -> tuple[datetime, str, int, int, int]:
    return (timer.at, timer.milestone, timer.cycle, _KIND_ORDER[timer.kind], timer.sequence)


def next_timers(milestones: Iterable[Milestone], *, after: datetime | None = None) -> list[Timer]:
    """The timers of ``milestones`` in firing order; with ``after``, only those later than it.

    ``next_timers(ms, after=now)[0].at`` is when the record next needs attention.
    """
    timers = [t for m in milestones for t in m.timers if after is None or t.at > after]
    return sorted(timers, key=timer_order)
