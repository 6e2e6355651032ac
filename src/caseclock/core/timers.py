"""What fires, and when: the plan of a cycle's timers, not their effects.

A cycle's plan lists every timer that has fired or will fire given what is known at ``now``:
the warning (unless the cycle ended before it), the violation at the deadline (plus ``after``)
and its repetitions every ``repeat_every`` (up to the first one after ``now`` while the cycle is
open; all those before its end once it ended), and the success at completion. Past timers stay
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
from caseclock.core.targets import shift

MAX_REPEATS = 500
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


def _shifted(
    cycle: Cycle, target: timedelta, offset: Duration | None, k: int, every: Duration | None
) -> datetime | None:
    """The deadline moved by ``offset + k * every``, counted on the cycle's clock when both are
    business time, else in calendar time after the deadline."""
    extra = [d for d in (offset, every if k else None) if d is not None]
    if all(d.kind is DurationKind.BUSINESS_TIME for d in extra):
        amount = (offset.amount if offset else timedelta(0)) + k * (
            every.amount if every else timedelta(0)
        )
        return cycle.position(target + amount)
    deadline = cycle.position(target)
    if deadline is None:
        return None
    return (
        deadline
        + (offset.amount if offset else timedelta(0))
        + k * (every.amount if every else timedelta(0))
    )


def violation_instants(
    plan: ViolationPlan, cycle: Cycle, target: timedelta, now: datetime
) -> list[datetime]:
    """The violation instants of the plan (see the module docstring for which are listed)."""
    offset, every = plan.offsets()
    end = cycle.ended_at
    instants: list[datetime] = []
    for k in range(MAX_REPEATS if every is not None and every.amount > timedelta(0) else 1):
        at = _shifted(cycle, target, offset, k, every)
        if at is None or (end is not None and at >= end):
            break
        instants.append(at)
        if end is None and at > now:
            break
    return instants


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
        for seq, at in enumerate(violation_instants(violation, cycle, target, now)):
            timers.append(Timer(at, cycle.key, cycle.number, TimerKind.VIOLATION, seq))
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
