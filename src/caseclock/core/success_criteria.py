"""Success criteria: what "done" means for a milestone, as a checklist its completion should
satisfy (root cause analysis: findings in the case notes, a clear explanation to the customer,
the case moved on with a plan).

Each criterion of a definition (``policy.Criterion``) is checked over the cycle's own events,
from its start to its completion (or to the instant of the check while it is open):

* ``note: TEXT``: an internal note, or an internal comment, whose body mentions TEXT (case
  ignored);
* ``field: NAME``: the record field NAME holds a value (not null, not empty) at the end;
* ``public_reply: true``: a public comment by an agent;
* ``status: NAME``: the record reached status NAME (case ignored).

A completed cycle that misses one is **completed without criteria**; it still counts as
completed (on time or late) everywhere else. Reports show the share of completions that met
their criteria. A definition with ``without_criteria: block`` does not complete without them:
the evaluator (``core.replay``) keeps the cycle open, notes why, and completes it at the first
later event by which every criterion is met (``Checklist.blocked_at`` says since when).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from caseclock.core.criteria_check import Check, check_all, label
from caseclock.core.cycles import Cycle
from caseclock.core.events import Event
from caseclock.core.policy import MilestoneDef
from caseclock.core.replay import Replay

__all__ = ["Check", "Checklist", "checklists", "cycle_checklist", "label"]


@dataclass(frozen=True, slots=True)
class Checklist:
    key: str
    cycle: int
    checks: tuple[Check, ...]
    completed: bool
    # a completion asked for at this instant was blocked, and the cycle is still open
    blocked_at: datetime | None = None

    @property
    def met(self) -> bool:
        return all(c.met for c in self.checks)

    @property
    def without_criteria(self) -> bool:
        """Completed while a criterion was not met."""
        return self.completed and not self.met


def cycle_checklist(
    definition: MilestoneDef, cycle: Cycle, events: Sequence[Event], now: datetime
) -> Checklist:
    """``definition``'s criteria checked over ``cycle``'s events (``events`` in timeline
    order) up to its end, or ``now`` while it is open."""
    end = now if cycle.ended_at is None else min(cycle.ended_at, now)
    before = [e for e in events if e.at <= end]
    inside = [e for e in before if e.at >= cycle.started_at]
    checks = check_all(definition.criteria, inside, before)
    blocked = None if cycle.blocked_us is None else cycle.local(cycle.blocked_us)
    return Checklist(cycle.key, cycle.number, checks, cycle.end_kind == "completed", blocked)


def checklists(result: Replay) -> list[Checklist]:
    """The checklist of every cycle of a definition with criteria, at the replay's instant."""
    return [
        cycle_checklist(track.compiled.definition, cycle, result.events, result.now)
        for track in result.tracks
        if track.compiled.definition.criteria
        for cycle in track.cycles
    ]
