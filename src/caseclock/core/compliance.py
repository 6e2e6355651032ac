"""Compliance of a set of milestones: how many met their target, for reports and what-ifs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from caseclock.core.milestones import Milestone, MilestoneState


@dataclass(frozen=True, slots=True)
class Compliance:
    """Counts of milestone cycles by outcome; ``rate`` is on time over all decided ones."""

    on_time: int = 0
    late: int = 0
    violated: int = 0
    open: int = 0
    other: int = 0

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.violated

    @property
    def rate(self) -> float | None:
        return None if self.decided == 0 else self.on_time / self.decided


def compliance(milestones: Iterable[Milestone]) -> Compliance:
    """Completed on time / completed late / violated (still open) / open in time / other.

    A breach is history: a cycle that was past a deadline (``violated_at``) counts as late or
    violated even when an override moved its deadline afterwards.
    """
    on_time = late = violated = open_ = other = 0
    for m in milestones:
        breached = bool(m.late) or m.violated_at is not None
        if m.state is MilestoneState.COMPLETED:
            late += breached
            on_time += not breached
        elif m.state is MilestoneState.VIOLATED:
            violated += 1
        elif m.state in (MilestoneState.RUNNING, MilestoneState.PAUSED):
            violated += breached
            open_ += not breached
        elif m.state is MilestoneState.CANCELLED and breached:
            late += 1
        else:
            other += 1
    return Compliance(on_time, late, violated, open_, other)
