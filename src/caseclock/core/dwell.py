"""Team and owner dwell: how much of each milestone's counted time each team and each owner held
the record, and their share of the target (ServiceNow's SLA breakdown).

A milestone's clock runs in segments (its running time, pauses left out, ``Cycle
.running_segments``); the record's owner and team change at instants of its timeline
(``created``, ``owner`` events, reassignments). Each piece of a running segment between two such
changes is counted on the milestone's clock (its business calendar, or the wall clock for a
calendar-time milestone) and credited to whoever held the record during it. The pieces add up
to the milestone's elapsed time, exactly: dwell explains elapsed time, it never counts more.
Nobody holding the record (no owner, or no team) is a holder too, named ``None``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from caseclock.core.cycles import Cycle
from caseclock.core.events import Event, EventType
from caseclock.core.replay import Replay

HolderKind = Literal["team", "owner"]


@dataclass(frozen=True, slots=True)
class Change:
    """From ``at`` on, the record's owner and team are these."""

    at: datetime
    owner: str | None
    team: str | None


@dataclass(frozen=True, slots=True)
class Holding:
    """How long one team (or owner) held one milestone, and the share of its target."""

    kind: HolderKind
    name: str | None
    held: timedelta
    share: float | None  # of the milestone's target (None without one)


@dataclass(frozen=True, slots=True)
class Dwell:
    """One milestone cycle's time split by team and by owner, the longest held first."""

    key: str
    cycle: int
    teams: tuple[Holding, ...]
    owners: tuple[Holding, ...]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def changes(events: Sequence[Event]) -> list[Change]:
    """The record's owner and team after each event that set either, in timeline order
    (``events`` ordered as a replay keeps them)."""
    owner: str | None = None
    team: str | None = None
    found: list[Change] = []
    for event in events:
        data = event.data
        if event.type is EventType.CREATED:
            owner, team = _text(data.get("owner")), _text(data.get("team"))
        elif event.type is EventType.OWNER:
            if "owner" in data:
                owner = _text(data.get("owner"))
            if "team" in data:
                team = _text(data.get("team"))
        else:
            continue
        found.append(Change(event.at, owner, team))
    return found


def _counted(cycle: Cycle, start: datetime, end: datetime) -> timedelta:
    if cycle.counts_business_time():
        return cycle.business.between(start, end)
    return end - start


def holder_at(history: Sequence[Change], at: datetime) -> Change | None:
    """Who held the record at ``at`` (the last change at or before it)."""
    current = None
    for change in history:
        if change.at > at:
            break
        current = change
    return current


def cycle_dwell(cycle: Cycle, history: Sequence[Change], until: datetime) -> Dwell:
    """``cycle``'s counted time up to ``until`` (or its end) split by team and owner."""
    end = until if cycle.ended_at is None else min(cycle.ended_at, until)
    teams: dict[str | None, timedelta] = {}
    owners: dict[str | None, timedelta] = {}
    if end > cycle.started_at:
        for start, stop in cycle.running_segments(end):
            cuts = [c.at for c in history if start < c.at < stop]
            edges = [start, *cuts, stop]
            for a, b in itertools.pairwise(edges):
                holder = holder_at(history, a)
                piece = _counted(cycle, a, b)
                team = None if holder is None else holder.team
                owner = None if holder is None else holder.owner
                teams[team] = teams.get(team, timedelta(0)) + piece
                owners[owner] = owners.get(owner, timedelta(0)) + piece
    target = cycle.effective_target()
    return Dwell(
        cycle.key,
        cycle.number,
        _holdings("team", teams, target),
        _holdings("owner", owners, target),
    )


def _holdings(
    kind: HolderKind, held: dict[str | None, timedelta], target: timedelta | None
) -> tuple[Holding, ...]:
    def share(value: timedelta) -> float | None:
        return None if not target else value / target

    items = [Holding(kind, name, value, share(value)) for name, value in held.items() if value]
    return tuple(sorted(items, key=lambda h: (-h.held, h.name or "")))


def dwell(result: Replay) -> list[Dwell]:
    """Every started cycle of a replay split by team and owner, at the replay's instant."""
    history = changes(result.events)
    return [
        cycle_dwell(cycle, history, result.now) for track in result.tracks for cycle in track.cycles
    ]
