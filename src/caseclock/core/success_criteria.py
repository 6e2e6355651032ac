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
their criteria.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caseclock.core.cycles import Cycle
from caseclock.core.events import Event, EventType
from caseclock.core.policy import Criterion, MilestoneDef
from caseclock.core.replay import Replay


@dataclass(frozen=True, slots=True)
class Check:
    """One criterion of the checklist: met or not, and by which event (its instant)."""

    label: str
    met: bool
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Checklist:
    key: str
    cycle: int
    checks: tuple[Check, ...]
    completed: bool

    @property
    def met(self) -> bool:
        return all(c.met for c in self.checks)

    @property
    def without_criteria(self) -> bool:
        """Completed while a criterion was not met."""
        return self.completed and not self.met


def label(criterion: Criterion) -> str:
    if criterion.label:
        return criterion.label
    if criterion.note is not None:
        return f"a note about {criterion.note}"
    if criterion.field is not None:
        return f"{criterion.field} filled in"
    if criterion.status is not None:
        return f"status {criterion.status} reached"
    return "a public reply to the customer"


def _matches(criterion: Criterion, event: Event) -> bool:
    data = event.data
    if criterion.note is not None:
        internal = event.type is EventType.NOTE or (
            event.type is EventType.COMMENT and data.get("public") is False
        )
        body = data.get("body")
        return internal and isinstance(body, str) and criterion.note.casefold() in body.casefold()
    if criterion.status is not None:
        status = data.get("status")
        reached = event.type in (EventType.STATUS, EventType.CLOSED, EventType.REOPENED)
        return (
            reached and isinstance(status, str) and status.casefold() == criterion.status.casefold()
        )
    return (
        event.type is EventType.COMMENT
        and data.get("public") is True
        and data.get("author_role") == "agent"
    )


def _field_value(events: Sequence[Event], name: str) -> tuple[Any, datetime | None]:
    value: Any = None
    at = None
    for event in events:
        data = event.data
        if event.type is EventType.CREATED and name in data:
            value, at = data[name], event.at
        elif event.type is EventType.FIELD and data.get("field") == name:
            value, at = data.get("value"), event.at
    return value, at


def _check(criterion: Criterion, inside: Sequence[Event], before: Sequence[Event]) -> Check:
    if criterion.field is not None:
        value, at = _field_value(before, criterion.field)
        return Check(label(criterion), value not in (None, "", [], {}), at)
    for event in inside:
        if _matches(criterion, event):
            return Check(label(criterion), True, event.at)
    return Check(label(criterion), False)


def cycle_checklist(
    definition: MilestoneDef, cycle: Cycle, events: Sequence[Event], now: datetime
) -> Checklist:
    """``definition``'s criteria checked over ``cycle``'s events (``events`` in timeline
    order) up to its end, or ``now`` while it is open."""
    end = now if cycle.ended_at is None else min(cycle.ended_at, now)
    before = [e for e in events if e.at <= end]
    inside = [e for e in before if e.at >= cycle.started_at]
    checks = tuple(_check(c, inside, before) for c in definition.criteria)
    return Checklist(cycle.key, cycle.number, checks, cycle.end_kind == "completed")


def checklists(result: Replay) -> list[Checklist]:
    """The checklist of every cycle of a definition with criteria, at the replay's instant."""
    return [
        cycle_checklist(track.compiled.definition, cycle, result.events, result.now)
        for track in result.tracks
        if track.compiled.definition.criteria
        for cycle in track.cycles
    ]
