"""Pause audit: every pause of every milestone, who started it, why, how much counted time it
kept off the clock, and whether it began soon after a customer replied (a pause that starts
minutes after the customer answered is worth a look: the ball may be in the agent's court).

Pauses are the cycle's own (``Cycle.pauses``: a pause condition, an override, a closed record),
each with the event that began it. Who: the person an override names (``by``), else who sent
the event (its stored actor, ``core.provenance``), else a comment's ``author``. Why: an
override's ``reason``, else the cause the evaluator recorded (``pause condition holds``, the
status it reached). The time a pause kept off the clock is counted on the milestone's clock
(business time on its calendar, or calendar time) over the part of the pause inside the cycle
and before the audit's instant, overlapping pauses counted once each (as the audit of each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from caseclock.core.cycles import Cycle, Pause
from caseclock.core.dwell import changes, holder_at
from caseclock.core.events import Event, EventType
from caseclock.core.replay import Replay

DEFAULT_FLAG_WITHIN = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PauseEntry:
    """One pause of one milestone cycle."""

    record: str
    milestone: str
    cycle: int
    start: datetime
    end: datetime | None  # None: still holding at the audit's instant
    held: timedelta  # counted time kept off the clock, up to the audit's instant
    kind: str  # condition, override or closed
    by: str | None
    reason: str
    owner: str | None  # who held the record when the pause began
    team: str | None
    after_reply: timedelta | None  # since the customer's last public reply, when flagged
    flagged: bool
    # counted time of the pause after the definition's ``pause_cap`` was reached: the clock ran
    beyond_cap: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class PauseTotal:
    """Pauses summed for one agent, team or reason."""

    label: str
    count: int
    held: timedelta
    flagged: int


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def actor_of(event: Event | None, actors: Mapping[str, str | None]) -> str | None:
    """Who made an event: the person an override names (``by``), else the actor stored with
    the event (``actors``, by event id: ``core.provenance``), else a comment's ``author``."""
    if event is None:
        return None
    data = event.data
    return _text(data.get("by")) or actors.get(event.id) or _text(data.get("author"))


def _reason(pause: Pause) -> str:
    event = pause.event
    if pause.kind == "override" and event is not None:
        return _text(event.data.get("reason")) or "held by hand"
    if event is not None and event.type is EventType.STATUS:
        return f"status {event.data.get('status')}"
    if event is not None and event.type is EventType.FIELD:
        return f"{event.data.get('field')} set"
    return pause.cause


def _customer_replies(events: Iterable[Event]) -> list[datetime]:
    return [
        e.at
        for e in events
        if e.type is EventType.COMMENT
        and e.data.get("author_role") == "customer"
        and e.data.get("public") is True
    ]


def _last_before(instants: Sequence[datetime], at: datetime) -> datetime | None:
    found = None
    for instant in instants:
        if instant > at:
            break
        found = instant
    return found


def _counted(cycle: Cycle, start: datetime, end: datetime) -> timedelta:
    if end <= start:
        return timedelta(0)
    if cycle.counts_business_time():
        return cycle.business.between(start, end)
    return end - start


def _held(cycle: Cycle, pause: Pause, until: datetime) -> tuple[timedelta, timedelta]:
    """The counted time ``pause`` kept off the clock up to ``until``, and the counted time it
    went on after the cycle's pause cap was reached (the clock ran then)."""
    start = max(pause.start, cycle.started_at)
    stops = [until, *(t for t in (pause.end, cycle.ended_at) if t is not None)]
    end = min(stops)
    capped = cycle.cap_reached_us()
    if capped is None:
        return _counted(cycle, start, end), timedelta(0)
    cut = min(max(cycle.local(capped), start), end)
    return _counted(cycle, start, cut), _counted(cycle, cut, end)


def pause_entries(
    result: Replay,
    *,
    flag_within: timedelta = DEFAULT_FLAG_WITHIN,
    actors: Mapping[str, str | None] | None = None,
) -> list[PauseEntry]:
    """Every pause of every cycle of a replay, in the order they began, at the replay's
    instant; a pause that began within ``flag_within`` after a public customer reply is
    flagged. ``actors``: who sent each event, by event id (as the store keeps it)."""
    history = changes(result.events)
    replies = _customer_replies(result.events)
    found: list[PauseEntry] = []
    for track in result.tracks:
        for cycle in track.cycles:
            for pause in cycle.pauses:
                if pause.kind == "closed" or pause.start > result.now:
                    continue
                reply = _last_before(replies, pause.start)
                since = None if reply is None else pause.start - reply
                flagged = since is not None and since <= flag_within
                holder = holder_at(history, pause.start)
                held, beyond = _held(cycle, pause, result.now)
                found.append(
                    PauseEntry(
                        record=result.events[0].record if result.events else "",
                        milestone=cycle.key,
                        cycle=cycle.number,
                        start=pause.start,
                        end=pause.end,
                        held=held,
                        kind=pause.kind,
                        by=actor_of(pause.event, actors or {}),
                        reason=_reason(pause),
                        owner=None if holder is None else holder.owner,
                        team=None if holder is None else holder.team,
                        after_reply=since if flagged else None,
                        flagged=flagged,
                        beyond_cap=beyond,
                    )
                )
    return sorted(found, key=lambda e: (e.start, e.milestone, e.cycle))


def totals(
    entries: Iterable[PauseEntry], label: Callable[[PauseEntry], str | None], none: str
) -> list[PauseTotal]:
    """Pauses summed by ``label`` (an agent, a team, a reason), the most time held first."""
    sums: dict[str, tuple[int, timedelta, int]] = {}
    for entry in entries:
        key = label(entry) or none
        count, held, flagged = sums.get(key, (0, timedelta(0), 0))
        sums[key] = (count + 1, held + entry.held, flagged + entry.flagged)
    items = [PauseTotal(k, c, h, f) for k, (c, h, f) in sums.items()]
    return sorted(items, key=lambda t: (-t.held, t.label))


def over_cap(
    entries: Iterable[PauseEntry], cap: timedelta
) -> dict[tuple[str, str, int], timedelta]:
    """Milestone cycles whose pauses together kept more than ``cap`` off the clock, with the
    excess: a what-if for a cap a definition does not have (a definition's ``pause_cap`` is
    enforced by the evaluator; ``PauseEntry.beyond_cap`` reports the pause beyond it)."""
    held: dict[tuple[str, str, int], timedelta] = {}
    for entry in entries:
        key = (entry.record, entry.milestone, entry.cycle)
        held[key] = held.get(key, timedelta(0)) + entry.held
    return {key: value - cap for key, value in held.items() if value > cap}
