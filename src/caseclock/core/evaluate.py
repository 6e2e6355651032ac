"""``(process, timeline, now) -> milestones``: the pure evaluator.

``evaluate`` replays the record's timeline (``core.replay``), then derives each cycle's
deadline, warning, elapsed and paused time, state and timers at ``now``. It does no I/O and
reads no clock: the same events, process and instant always give the same milestones, whatever
order the events arrived in and however often a duplicate was sent.

A definition that applies but has not started yet is listed as one ``pending`` milestone
(``cancelled`` once the record is closed); one that does not apply and never ran is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.cycles import Cycle
from caseclock.core.events import Event
from caseclock.core.instants import instant_us
from caseclock.core.milestones import Basis, Milestone, MilestoneState
from caseclock.core.policy import Process
from caseclock.core.replay import Replay, Track, replay
from caseclock.core.standing import due_us
from caseclock.core.timeline import stamped_timeline
from caseclock.core.timers import next_timers, plan_timers, warning_us

# Enum members as Final names: compiled code reads them as C statics; ``Enum.MEMBER`` costs a
# class attribute lookup each time.
_CANCELLED: Final = MilestoneState.CANCELLED
_COMPLETED: Final = MilestoneState.COMPLETED
_PENDING: Final = MilestoneState.PENDING
_VIOLATED: Final = MilestoneState.VIOLATED
_PAUSED: Final = MilestoneState.PAUSED
_RUNNING: Final = MilestoneState.RUNNING
_BUSINESS: Final = Basis.BUSINESS
_CALENDAR: Final = Basis.CALENDAR

_ZERO: Final = timedelta(0)

__all__ = ["evaluate", "evaluate_replay", "milestone_state", "next_timers", "replay_record"]


def milestone_state(cycle: Cycle, now: int, deadline: int | None, paused: bool) -> MilestoneState:
    """The state of a cycle at ``now`` (instants in microseconds); the precedence, read top to
    bottom, is written once."""
    if cycle.end_kind == "cancelled":
        return _CANCELLED
    if cycle.end_kind == "completed":
        return _COMPLETED
    if cycle.started_us > now:
        return _PENDING
    if deadline is not None and due_us(deadline, now):
        return _VIOLATED
    if paused:
        return _PAUSED
    return _RUNNING


def _duration(us: int) -> timedelta:
    """``us`` microseconds as a timedelta (zero, the common case, without a constructor call)."""
    return _ZERO if us == 0 else timedelta(0, 0, us)


def _paused_us(cycle: Cycle, until: int, counted: int) -> int:
    """Open time during the cycle's pauses up to ``until``: what the pauses kept off the clock
    (microseconds)."""
    if until <= cycle.started_us or not cycle.paused_before_us(until):
        return 0
    return cycle.open_time_us(until) - counted


def cycle_milestone(
    track: Track, cycle: Cycle, now_at: int, fields: Mapping[str, Any]
) -> Milestone:
    """The milestone value of one replayed cycle at instant ``now_at`` (UTC microseconds)."""
    compiled = track.compiled
    target = cycle.effective_target()
    target_us = cycle.effective_target_us()
    deadline_us = None if target_us is None else cycle.position_us(target_us)
    warning = None if target_us is None else warning_us(compiled.warning, cycle, target_us)
    rungs = (
        [warning_us(rule, cycle, target_us) for rule in compiled.warnings]
        if compiled.warnings and target_us is not None
        else None
    )
    ended, ended_us = cycle.ended_at, cycle.ended_us
    until = now_at if ended_us is None else min(ended_us, now_at)
    counted = cycle.elapsed_us(until) if until > cycle.started_us else 0
    late = None if ended_us is None else (deadline_us is not None and ended_us > deadline_us)
    owner = cycle.owner if cycle.end_kind is not None else compiled.owner(fields)
    state = milestone_state(cycle, now_at, deadline_us, cycle.paused_at_us(now_at))
    elapsed = _duration(counted)
    return Milestone(
        key=cycle.key,
        name=compiled.title,
        cycle=cycle.number,
        state=state,
        calendar=cycle.calendar,
        started_at=cycle.started_at,
        deadline=cycle.local(deadline_us),
        warning_at=cycle.local(warning),
        completed_at=ended if cycle.end_kind == "completed" else None,
        ended_at=ended,
        target=target,
        elapsed=elapsed,
        paused=_duration(_paused_us(cycle, until, counted)),
        remaining=None if target is None else target - elapsed,
        late=late,
        owner=owner,
        timers=plan_timers(cycle, compiled.violation, now_at, warning, rungs),
        basis=_BUSINESS if cycle.counts_business_time() else _CALENDAR,
        violated_at=cycle.local(cycle.violated_us(now_at)),
    )


def _unstarted(track: Track, closed: bool, fields: Mapping[str, Any]) -> Milestone:
    return Milestone(
        key=track.key,
        name=track.compiled.title,
        cycle=1,
        state=_CANCELLED if closed else _PENDING,
        owner=track.compiled.owner(fields),
    )


def evaluate_replay(result: Replay) -> list[Milestone]:
    """The milestones of a replay, in the process's definition order, cycles in order."""
    order = {d.key: i for i, d in enumerate(result.process.milestones)}
    fields, closed = result.state.fields, result.state.closed
    milestones: list[Milestone] = []
    now = instant_us(result.now)
    for track in sorted(result.tracks, key=lambda t: order[t.key]):
        if track.cycles:
            milestones.extend(cycle_milestone(track, c, now, fields) for c in track.cycles)
        elif track.applies:
            milestones.append(_unstarted(track, closed, fields))
    return milestones


def replay_record(
    process: Process,
    timeline: Iterable[Event],
    now: datetime,
    *,
    calendars: Mapping[str, BusinessCalendar],
    account: Mapping[str, Any] | None = None,
    skipping: bool = True,
) -> Replay:
    """Replay one record's events (any order, duplicates allowed) up to ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware (got naive {now.isoformat()})")
    events, stamps = stamped_timeline(timeline)
    records = {e.record for e in events}
    if len(records) > 1:
        raise ValueError(f"a timeline is one record's events; got {len(records)} records")
    facts = account or {}
    return replay(process, events, now, calendars, facts, skipping=skipping, stamps=stamps)


def evaluate(
    process: Process,
    timeline: Iterable[Event],
    now: datetime,
    *,
    calendars: Mapping[str, BusinessCalendar],
    account: Mapping[str, Any] | None = None,
) -> list[Milestone]:
    """Every milestone of one record at ``now``; see the module docstring."""
    return evaluate_replay(
        replay_record(process, timeline, now, calendars=calendars, account=account)
    )
