"""Why a deadline is where it is: the story of each cycle, for ``simulate --explain``.

For every cycle: what started it and which target rule chose its target on which calendar;
each pause with the event that caused it and the one that ended it; each override with who
and why; the open spans that were counted up to the deadline and the closed stretches skipped
between them (nights, weekends, holidays by name); and how the cycle ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays as holidays_lib

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.cycles import Cycle
from caseclock.core.durations import format_timedelta
from caseclock.core.events import Event
from caseclock.core.instants import instant_us
from caseclock.core.replay import Replay, Track
from caseclock.core.targets import real_delta
from caseclock.core.timers import warning_instant

MAX_SPANS = 40


@dataclass(frozen=True, slots=True)
class ExplainLine:
    at: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class CycleExplanation:
    key: str
    cycle: int
    title: str
    lines: tuple[ExplainLine, ...]


def _ref(event: Event | None) -> str:
    return "" if event is None else f" [{event.type} {event.id}]"


def _stamp(at: datetime) -> str:
    return at.strftime("%a %Y-%m-%d %H:%M %z")


@lru_cache(maxsize=256)
def _public_holiday(country: str, subdivision: str | None, day: date) -> str | None:
    found = holidays_lib.country_holidays(country, subdiv=subdivision, years=day.year).get(day)
    return None if found is None else str(found)


def _closed_day(calendar: BusinessCalendar, day: date) -> str:
    spec = calendar.spec
    if any(e.date == day for e in spec.exceptions):
        return f"{day} closed by exception"
    if calendar.is_holiday(day):
        names = [_public_holiday(s.country, s.subdivision, day) for s in spec.holiday_sets]
        name = next((n for n in names if n), "listed holiday")
        return f"{day} holiday: {name}"
    return day.strftime("%a")


def _gap_label(calendar: BusinessCalendar, start: datetime, end: datetime) -> str:
    first = start.astimezone(calendar.zone).date() + timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    named = [_closed_day(calendar, d) for d in days]
    return ", ".join(named) if named else "overnight"


def _span_lines(cycle: Cycle, horizon: datetime) -> list[ExplainLine]:
    """Counted open spans up to ``horizon`` and the closed stretches between them."""
    spans = [
        (s, number)
        for number, (a, b) in enumerate(cycle.running_segments(horizon))
        for s in cycle.clock.open_spans(a, b)
    ]
    lines: list[ExplainLine] = []
    for index, ((a, b), segment) in enumerate(spans[:MAX_SPANS]):
        (_, last_end), last_segment = spans[index - 1] if index else ((a, a), segment)
        if last_end < a:
            gap = "paused" if last_segment != segment else _gap_label(cycle.business, last_end, a)
            lines.append(ExplainLine(last_end, f"  skipped until {_stamp(a)} ({gap})"))
        lines.append(
            ExplainLine(
                a, f"  counted {_stamp(a)} -> {_stamp(b)}  {format_timedelta(real_delta(a, b))}"
            )
        )
    if len(spans) > MAX_SPANS:
        lines.append(ExplainLine(None, f"  ... {len(spans) - MAX_SPANS} more open spans"))
    return lines


def _head(cycle: Cycle) -> list[ExplainLine]:
    target = cycle.target
    clock = "calendar time" if cycle.clock is not cycle.business else f"calendar {cycle.calendar}"
    amount = "unknown" if target.amount is None else format_timedelta(target.amount)
    return [
        ExplainLine(cycle.started_at, f"started: {cycle.start_cause}{_ref(cycle.start_event)}"),
        ExplainLine(None, f"target {target.text} = {amount} on {clock} ({target.reason})"),
    ]


def _pause_lines(cycle: Cycle) -> list[ExplainLine]:
    lines = []
    for p in sorted(cycle.pauses, key=lambda p: p.start):
        until = "still paused" if p.end is None else _stamp(p.end)
        lost = (
            ""
            if p.end is None
            else (
                f", {format_timedelta(cycle.clock.between(p.start, max(p.end, p.start)))} "
                "not counted"
            )
        )
        ended = "" if p.end_cause is None else f"; ended: {p.end_cause}{_ref(p.end_event)}"
        lines.append(
            ExplainLine(
                p.start,
                f"paused {_stamp(p.start)} -> {until}: {p.cause}{_ref(p.event)}{ended}{lost}",
            )
        )
    return lines


def _adjustment_lines(cycle: Cycle) -> list[ExplainLine]:
    return [
        ExplainLine(
            a.at,
            f"override: {a.kind} {a.text} ({format_timedelta(a.amount)}) by "
            f"{a.by}: {a.reason}{_ref(a.event)}",
        )
        for a in cycle.adjustments
    ]


def _outcome(cycle: Cycle, deadline: datetime | None, now: datetime) -> ExplainLine:
    if cycle.ended_at is None:
        elapsed = format_timedelta(cycle.elapsed(now)) if now > cycle.started_at else "0s"
        return ExplainLine(now, f"open at {_stamp(now)}: {elapsed} counted")
    verdict = ""
    if cycle.end_kind == "completed" and deadline is not None:
        gap = cycle.ended_at - deadline
        verdict = f" (late by {format_timedelta(gap)})" if gap > timedelta(0) else " (on time)"
    what = f"{cycle.end_kind}: {cycle.end_cause}{_ref(cycle.end_event)}{verdict}"
    return ExplainLine(cycle.ended_at, what)


def _breach_lines(cycle: Cycle, now: datetime) -> list[ExplainLine]:
    """A breach that an override came after: it stays on record ("violated at X, extended by
    Y")."""
    violated_us = cycle.violated_us(instant_us(now))
    if violated_us is None:
        return []
    violated = cycle.local(violated_us)
    later = [a for a in cycle.adjustments if a.at >= violated]
    if not later:
        return []
    moves = ", ".join(f"{a.kind} {a.text} by {a.by} at {_stamp(a.at)}" for a in later)
    text = f"violated at {_stamp(violated)}, then {moves}: the breach stays on record"
    return [ExplainLine(violated, text)]


def explain_cycle(track: Track, cycle: Cycle, now: datetime) -> CycleExplanation:
    """The explanation of one cycle at ``now``."""
    target = cycle.effective_target()
    deadline = None if target is None else cycle.position(target)
    lines = [*_head(cycle), *_pause_lines(cycle), *_adjustment_lines(cycle)]
    lines += [ExplainLine(at, note) for at, note in cycle.notes]
    lines += _breach_lines(cycle, now)
    horizon = deadline or cycle.ended_at or now
    if horizon > cycle.started_at:
        lines += _span_lines(cycle, horizon)
    if deadline is not None and target is not None:
        lines.append(
            ExplainLine(
                deadline, f"deadline {_stamp(deadline)}: {format_timedelta(target)} counted"
            )
        )
        for rule in (track.compiled.warning, *track.compiled.warnings):
            warning = warning_instant(rule, cycle, target)
            if warning is not None:
                lines.append(ExplainLine(warning, f"warning at {_stamp(warning)}"))
    elif target is not None:
        lines.append(ExplainLine(None, "deadline unknown while the clock is paused"))
    lines.append(_outcome(cycle, deadline, now))
    title = track.compiled.title
    return CycleExplanation(cycle.key, cycle.number, title, tuple(lines))


def explain(result: Replay) -> list[CycleExplanation]:
    """Every cycle of a replay explained, plus the notes of definitions (ignored overrides)."""
    explained = []
    for track in result.tracks:
        for cycle in track.cycles:
            explained.append(explain_cycle(track, cycle, result.now))
        if track.notes:
            notes = tuple(ExplainLine(at, note) for at, note in track.notes)
            explained.append(CycleExplanation(track.key, 0, track.compiled.title, notes))
    order = {d.key: i for i, d in enumerate(result.process.milestones)}
    return sorted(explained, key=lambda e: (order[e.key], e.cycle))
