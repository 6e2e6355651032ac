"""What the evaluator returns: milestone instances and the timers they schedule.

These are plain values; the store materializes them as rows and the API renders them
(``milestone_to_json`` is the one JSON shape, the one of ``caseclock simulate --json``).
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class MilestoneState(StrEnum):
    PENDING = "pending"  # applies, but its start condition has not matched yet
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"  # see ``Milestone.late`` for on time vs late
    VIOLATED = "violated"  # deadline passed while still open
    CANCELLED = "cancelled"  # no longer applies (criteria changed, record closed before start)


OPEN_STATES = frozenset({MilestoneState.RUNNING, MilestoneState.PAUSED, MilestoneState.VIOLATED})


class Basis(StrEnum):
    """The clock a milestone counts on, and so the unit of its time left."""

    BUSINESS = "business"  # the milestone's business calendar: 4h, 5bd, eobd
    CALENDAR = "calendar"  # the wall clock, every hour counting: 30d, 3mo, 1y, date fields


class TimerKind(StrEnum):
    WARNING = "warning"
    VIOLATION = "violation"
    SUCCESS = "success"


class Health(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(init=False, unsafe_hash=True)
class Timer:
    """An instant at which something must fire for one milestone cycle.

    ``sequence`` numbers repeated violations (0 for the first).
    """

    at: datetime
    milestone: str
    cycle: int
    kind: TimerKind
    sequence: int = 0

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(
        self,
        at: datetime,
        milestone: str,
        cycle: int,
        kind: TimerKind,
        sequence: int = 0,
    ) -> None:
        self.at = at
        self.milestone = milestone
        self.cycle = cycle
        self.kind = kind
        self.sequence = sequence


@dataclass(init=False, unsafe_hash=True)
class Milestone:
    """One cycle of one milestone definition on one record, evaluated at an instant."""

    key: str
    name: str
    cycle: int
    state: MilestoneState
    calendar: str | None = None
    started_at: datetime | None = None
    deadline: datetime | None = None
    warning_at: datetime | None = None
    completed_at: datetime | None = None
    ended_at: datetime | None = None  # completion or cancellation
    target: timedelta | None = None
    elapsed: timedelta = timedelta(0)
    paused: timedelta = timedelta(0)
    remaining: timedelta | None = None
    late: bool | None = None  # the cycle ended (completed or cancelled) after its deadline
    owner: str | None = None
    timers: tuple[Timer, ...] = field(default_factory=tuple)
    basis: Basis = Basis.BUSINESS
    violated_at: datetime | None = None  # the first instant the cycle was past a deadline

    # The constructor is written out, not generated, so that mypyc compiles it (a generated
    # one runs as interpreted code, ten times slower); dataclass still gives eq and repr.
    def __init__(
        self,
        key: str,
        name: str,
        cycle: int,
        state: MilestoneState,
        *,
        calendar: str | None = None,
        started_at: datetime | None = None,
        deadline: datetime | None = None,
        warning_at: datetime | None = None,
        completed_at: datetime | None = None,
        ended_at: datetime | None = None,
        target: timedelta | None = None,
        elapsed: timedelta = timedelta(0),
        paused: timedelta = timedelta(0),
        remaining: timedelta | None = None,
        late: bool | None = None,
        owner: str | None = None,
        timers: tuple[Timer, ...] | None = None,
        basis: Basis = Basis.BUSINESS,
        violated_at: datetime | None = None,
    ) -> None:
        self.key = key
        self.name = name
        self.cycle = cycle
        self.state = state
        self.calendar = calendar
        self.started_at = started_at
        self.deadline = deadline
        self.warning_at = warning_at
        self.completed_at = completed_at
        self.ended_at = ended_at
        self.target = target
        self.elapsed = elapsed
        self.paused = paused
        self.remaining = remaining
        self.late = late
        self.owner = owner
        self.timers = () if timers is None else timers
        self.basis = basis
        self.violated_at = violated_at

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


DEFAULT_AT_RISK = timedelta(minutes=15)


def health(milestone: Milestone, now: datetime, threshold: timedelta = DEFAULT_AT_RISK) -> Health:
    """Green, yellow or red at ``now`` for an at-a-glance view.

    Red: violated. Yellow: open and its warning instant has come, or under ``threshold`` of
    target time remains. Green: anything else (closed cycles included).
    """
    if milestone.state is MilestoneState.VIOLATED:
        return Health.RED
    if not milestone.is_open:
        return Health.GREEN
    if milestone.warning_at is not None and now >= milestone.warning_at:
        return Health.YELLOW
    if milestone.remaining is not None and milestone.remaining <= threshold:
        return Health.YELLOW
    return Health.GREEN


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def timer_to_json(timer: Timer) -> dict[str, Any]:
    """``{"at", "milestone", "cycle", "kind", "sequence"}`` with an ISO-8601 instant."""
    return {
        "at": timer.at.isoformat(),
        "milestone": timer.milestone,
        "cycle": timer.cycle,
        "kind": str(timer.kind),  # a StrEnum's str is its value; .value is a slow property
        "sequence": timer.sequence,
    }


def milestone_to_json(milestone: Milestone) -> dict[str, Any]:
    """The JSON shape of a milestone (instants ISO-8601, durations in seconds)."""
    return {
        "key": milestone.key,
        "name": milestone.name,
        "cycle": milestone.cycle,
        "state": milestone.state.value,
        "basis": str(milestone.basis),
        "late": milestone.late,
        "calendar": milestone.calendar,
        "owner": milestone.owner,
        "started_at": _iso(milestone.started_at),
        "deadline": _iso(milestone.deadline),
        "warning_at": _iso(milestone.warning_at),
        "completed_at": _iso(milestone.completed_at),
        "ended_at": _iso(milestone.ended_at),
        "violated_at": _iso(milestone.violated_at),
        "target_seconds": _seconds(milestone.target),
        "elapsed_seconds": milestone.elapsed.total_seconds(),
        "paused_seconds": milestone.paused.total_seconds(),
        "remaining_seconds": _seconds(milestone.remaining),
    }


def lasting_digest(
    record_id: str,
    milestone: Milestone,
    timers: Sequence[Timer],
    first: int,
    *,
    owner: str | None,
    team: str | None,
    account: str | None,
) -> str:
    """A digest of what a materialized milestone row keeps that does not move with the clock:
    the same values, the same digest, so re-evaluating a record rewrites only the rows that
    changed. Left out: elapsed and remaining time (they move with every evaluation), what is
    implied (``is_open`` by the state; the timers' milestone and cycle are the row's own).

    ``timers`` is the plan in order, ``first`` the place in it of the row's next timer (-1 for
    none); ``owner``, ``team`` and ``account`` are the row's (the record's, where the milestone
    names no owner). ``marshal`` serializes the plain values (instants as POSIX timestamps) in
    C. Its version 2: from version 3 on it writes an object that appears twice, or is shared
    with the rest of the process, as a back-reference, so equal values could give different
    bytes. The format may change with the Python version, which only rewrites each row once.
    """
    m = milestone
    lasting = (
        record_id,
        m.key,
        m.cycle,
        m.name,
        str(m.state),  # a StrEnum's str is its value; .value is a slow property
        m.calendar,
        None if m.started_at is None else m.started_at.timestamp(),
        None if m.deadline is None else m.deadline.timestamp(),
        None if m.warning_at is None else m.warning_at.timestamp(),
        None if m.completed_at is None else m.completed_at.timestamp(),
        None if m.target is None else m.target.total_seconds(),
        m.paused.total_seconds(),
        m.late,
        str(m.basis),
        None if m.violated_at is None else m.violated_at.timestamp(),
        owner,
        team,
        account,
        [(t.at.timestamp(), str(t.kind), t.sequence) for t in timers],
        first,
    )
    return hashlib.blake2b(marshal.dumps(lasting, 2), digest_size=16).hexdigest()
