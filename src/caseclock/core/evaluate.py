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
from typing import Any

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.cycles import Cycle
from caseclock.core.events import Event, build_timeline
from caseclock.core.milestones import Milestone, MilestoneState
from caseclock.core.policy import Process
from caseclock.core.replay import Replay, Track, replay
from caseclock.core.timers import next_timers, plan_timers, warning_instant

__all__ = ["evaluate", "evaluate_replay", "milestone_state", "next_timers", "replay_record"]


def milestone_state(
    cycle: Cycle, now: datetime, deadline: datetime | None, paused: bool
) -> MilestoneState:
    """The state of a cycle at ``now``; the precedence, read top to bottom, is written once."""
    if cycle.end_kind == "cancelled":
        return MilestoneState.CANCELLED
    if cycle.end_kind == "completed":
        return MilestoneState.COMPLETED
    if cycle.started_at > now:
        return MilestoneState.PENDING
    if deadline is not None and now >= deadline:
        return MilestoneState.VIOLATED
    if paused:
        return MilestoneState.PAUSED
    return MilestoneState.RUNNING


def _paused_at(cycle: Cycle, now: datetime) -> bool:
    return any(start <= now and (end is None or now < end) for start, end in cycle.merged_pauses())


def _paused_time(cycle: Cycle, until: datetime, counted: timedelta) -> timedelta:
    """Open time during the cycle's pauses up to ``until``: what the pauses kept off the clock."""
    if until <= cycle.started_at or not cycle.paused_before(until):
        return timedelta(0)
    return cycle.open_time(until) - counted


def cycle_milestone(
    track: Track, cycle: Cycle, now: datetime, fields: Mapping[str, Any]
) -> Milestone:
    """The milestone value of one replayed cycle at ``now``."""
    definition = track.compiled.definition
    target = cycle.effective_target()
    deadline = None if target is None else cycle.position(target)
    warning_at = (
        None if target is None else warning_instant(definition.actions.warning, cycle, target)
    )
    violation = None if definition.complete is None else definition.actions.violation
    until = min(cycle.ended_at or now, now)
    counted = cycle.elapsed(until) if until > cycle.started_at else timedelta(0)
    paused = _paused_time(cycle, until, counted)
    ended = cycle.ended_at
    late = None if ended is None else (deadline is not None and ended > deadline)
    owner = cycle.owner if cycle.end_kind is not None else track.compiled.owner(fields)
    return Milestone(
        key=cycle.key,
        name=definition.title,
        cycle=cycle.number,
        state=milestone_state(cycle, now, deadline, _paused_at(cycle, now)),
        calendar=cycle.calendar,
        started_at=cycle.started_at,
        deadline=deadline,
        warning_at=warning_at,
        completed_at=ended if cycle.end_kind == "completed" else None,
        ended_at=ended,
        target=target,
        elapsed=counted,
        paused=paused,
        remaining=None if target is None else target - counted,
        late=late,
        owner=owner,
        timers=plan_timers(cycle, violation, now, warning_at),
    )


def _unstarted(track: Track, closed: bool, fields: Mapping[str, Any]) -> Milestone:
    return Milestone(
        key=track.key,
        name=track.compiled.definition.title,
        cycle=1,
        state=MilestoneState.CANCELLED if closed else MilestoneState.PENDING,
        owner=track.compiled.owner(fields),
    )


def evaluate_replay(result: Replay) -> list[Milestone]:
    """The milestones of a replay, in the process's definition order, cycles in order."""
    order = {d.key: i for i, d in enumerate(result.process.milestones)}
    fields, closed = result.state.fields, result.state.closed
    milestones: list[Milestone] = []
    for track in sorted(result.tracks, key=lambda t: order[t.key]):
        if track.cycles:
            milestones.extend(cycle_milestone(track, c, result.now, fields) for c in track.cycles)
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
    events = build_timeline(timeline)
    records = {e.record for e in events}
    if len(records) > 1:
        raise ValueError(f"a timeline is one record's events; got {len(records)} records")
    return replay(process, events, now, calendars, account or {}, skipping=skipping)


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
