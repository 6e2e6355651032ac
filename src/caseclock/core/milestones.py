"""What the evaluator returns: milestone instances and the timers they schedule.

These are plain values; the store materializes them as rows and the API renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class MilestoneState(StrEnum):
    PENDING = "pending"  # applies, but its start condition has not matched yet
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"  # see ``Milestone.late`` for on time vs late
    VIOLATED = "violated"  # deadline passed while still open
    CANCELLED = "cancelled"  # no longer applies (criteria changed, record closed before start)


OPEN_STATES = frozenset({MilestoneState.RUNNING, MilestoneState.PAUSED, MilestoneState.VIOLATED})


class TimerKind(StrEnum):
    WARNING = "warning"
    VIOLATION = "violation"
    SUCCESS = "success"


class Health(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Timer:
    """An instant at which something must fire for one milestone cycle.

    ``sequence`` numbers repeated violations (0 for the first).
    """

    at: datetime
    milestone: str
    cycle: int
    kind: TimerKind
    sequence: int = 0


@dataclass(frozen=True, slots=True)
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
    target: timedelta | None = None
    elapsed: timedelta = timedelta(0)
    paused: timedelta = timedelta(0)
    remaining: timedelta | None = None
    late: bool | None = None
    owner: str | None = None
    timers: tuple[Timer, ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
