""" "Why this deadline?" in sentences, with every time on the reader's wall clock.

The engine's explanation (``core.explain``, printed by ``simulate --explain``) is a trace for
people who know the engine: condition names, event ids, UTC offsets. This tells the same story
from the same replay for a support lead: what started the clock, which target applies and why,
each pause and override, the business hours counted (each span's real elapsed time, so an 8 h
night shift on the night clocks spring forward counts 7 h), the deadline and the warning, and
how the cycle ended.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from caseclock.console.templating import duration, when
from caseclock.console.wording import describe, duration_words, field_label, team_words
from caseclock.core.cycles import Cycle
from caseclock.core.events import Event, EventType
from caseclock.core.policy import MilestoneDef
from caseclock.core.replay import Track
from caseclock.core.timers import warning_instant

MAX_SPANS = 12
_RULE = re.compile(r"target rule (\d+)")


@dataclass(frozen=True, slots=True)
class Story:
    sentences: tuple[str, ...]
    counted: tuple[str, ...]  # the business hours counted, one line a span
    more: int  # spans left out of ``counted``


def _value(value: object, zone: tzinfo) -> str:
    if value is True:
        return "yes"
    if value is None or value is False:
        return "nothing"
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            instant = None
        if instant is not None and instant.utcoffset() is not None:
            return when(instant, zone)
    return f"“{value}”"


def event_words(  # noqa: PLR0911 (one per type)
    event: Event, zone: tzinfo = UTC, queues: Collection[str] = ()
) -> str:
    """What happened at ``event``, as the end of a sentence ("the record was created"); an
    instant it holds is read on ``zone``'s clock, a team that is one of the role ``queues``
    (``console.queues``) is named as that queue."""
    data = event.data
    who = data.get("author") or data.get("by")
    match event.type:
        case EventType.CREATED:
            return "the record was created"
        case EventType.COMMENT if data.get("author_role") == "customer":
            return "the customer wrote"
        case EventType.COMMENT:
            kind = "replied publicly" if data.get("public") else "added an internal comment"
            return f"{who or 'an agent'} {kind}"
        case EventType.STATUS:
            return f"the status became {data.get('status')}"
        case EventType.OWNER:
            return _handed(data.get("owner"), data.get("team"), queues)
        case EventType.FIELD:
            label = field_label(str(data.get("field")))
            if data.get("value") is None:
                return f"{label} was cleared"
            return f"{label} was set to {_value(data.get('value'), zone)}"
        case EventType.PRIORITY:
            return f"the priority became {data.get('priority')}"
        case EventType.CLOSED:
            return "the record was closed"
        case EventType.REOPENED:
            return "the record was reopened"
        case EventType.OVERRIDE:
            return f"{who or 'someone'} changed the SLA"
    return f"a {event.type.value} was added"


def _handed(owner: object, team: object, queues: Collection[str]) -> str:
    """ "it was handed to ana of L2", or to a role's queue: "it was handed to the Senior
    engineer queue" ("… to ana in the Senior engineer queue")."""
    if isinstance(team, str) and team in queues:
        queue = f"the {team_words(team, queues)}"
        return f"it was handed to {owner} in {queue}" if owner else f"it was handed to {queue}"
    return f"it was handed to {owner or 'nobody'}{f' of {team}' if team else ''}"


def _at(value: datetime, zone: tzinfo) -> str:
    return when(value, zone, "%a %d %b at %H:%M")


def _because(cycle: Cycle, definition: MilestoneDef) -> str:
    match = _RULE.match(cycle.target.reason)
    if match is None:
        return "" if cycle.target.reason == "default target" else f" ({cycle.target.reason})"
    rules = definition.target.rules
    index = int(match.group(1)) - 1
    return f", because {describe(rules[index].when)}" if index < len(rules) else ""


def _target(cycle: Cycle, definition: MilestoneDef) -> str:
    target = cycle.target
    if target.amount is None:
        return f"No target applies{_because(cycle, definition)}, so there is no deadline."
    calendar_time = cycle.clock is not cycle.business
    words = duration_words(target.text) if target.text != "none" else duration(target.amount)
    where = (
        "counted around the clock, nights and weekends included"
        if calendar_time
        else f"counted in the open hours of the {cycle.calendar} calendar"
    )
    exact = "" if words.endswith(("hours", "hour", "minutes")) else f" ({duration(target.amount)})"
    return f"The target is {words}{exact}, {where}{_because(cycle, definition)}."


def _pauses(
    cycle: Cycle, zone: tzinfo, definition: MilestoneDef, queues: Collection[str]
) -> list[str]:
    found = []
    for p in sorted(cycle.pauses, key=lambda p: p.start):
        cause = f"when {event_words(p.event, zone, queues)}" if p.event is not None else p.cause
        held = f" ({describe(definition.pause)})" if definition.pause is not None else ""
        if p.end is None:
            found.append(f"The clock has been paused since {_at(p.start, zone)}, {cause}{held}.")
            continue
        ended = (
            f", when {event_words(p.end_event, zone, queues)}" if p.end_event is not None else ""
        )
        lost = duration(cycle.clock.between(p.start, max(p.end, p.start)))
        found.append(
            f"It was paused from {_at(p.start, zone)}, {cause}{held}, until {_at(p.end, zone)}"
            f"{ended}: {lost} not counted."
        )
    return found


def _adjustments(cycle: Cycle, zone: tzinfo) -> list[str]:
    verbs = {"extend": "extended it by", "shorten": "shortened it by"}
    return [
        f"{a.by} {verbs[a.kind]} {duration_words(a.text)} on {_at(a.at, zone)}: “{a.reason}”."
        for a in cycle.adjustments
    ]


def _counted(cycle: Cycle, horizon: datetime, zone: tzinfo) -> list[str]:
    """Each open span counted up to ``horizon``, on the reader's clock, with its real length."""
    lines = []
    for a, b in cycle.running_segments(horizon):
        for start, end in cycle.clock.open_spans(a, b):
            first, last = start.astimezone(zone), end.astimezone(zone)
            if last.date() == first.date():
                shown = f"{first:%a %d %b %H:%M}\N{EN DASH}{last:%H:%M %Z}"
            else:
                shown = f"{first:%a %d %b %H:%M %Z} \N{EN DASH} {last:%a %d %b %H:%M %Z}"
            real = end.astimezone(UTC) - start.astimezone(UTC)  # not the wall-clock difference
            lines.append(f"{shown}: {duration(real)}")
    return lines


def _holidays(cycle: Cycle, horizon: datetime) -> list[date]:
    calendar = cycle.business
    if calendar is None or cycle.clock is not cycle.business:
        return []
    local = calendar.zone
    day, last = cycle.started_at.astimezone(local).date(), horizon.astimezone(local).date()
    found: list[date] = []
    while day <= last and len(found) < MAX_SPANS:
        if calendar.is_holiday(day):
            found.append(day)
        day += timedelta(days=1)
    return found


def _ending(
    cycle: Cycle, deadline: datetime | None, now: datetime, zone: tzinfo, queues: Collection[str]
) -> str:
    if cycle.ended_at is None:
        counted = duration(cycle.elapsed(now)) if now > cycle.started_at else "nothing"
        return f"Now, {_at(now, zone)}, {counted} has been counted."
    cause = (
        f", when {event_words(cycle.end_event, zone, queues)}"
        if cycle.end_event is not None
        else ""
    )
    if cycle.end_kind != "completed":
        return f"It was {cycle.end_kind} on {_at(cycle.ended_at, zone)}{cause}."
    verdict = ""
    if deadline is not None:
        late = cycle.ended_at - deadline
        verdict = f", {duration(late)} late" if late > timedelta(0) else ", on time"
    return f"It was completed on {_at(cycle.ended_at, zone)}{cause}{verdict}."


def story(
    track: Track,
    cycle: Cycle,
    definition: MilestoneDef,
    *,
    now: datetime,
    zone: tzinfo,
    queues: Collection[str] = (),
) -> Story:
    """Why ``cycle``'s deadline is where it is, for a reader in ``zone`` at ``now``; a team
    that is one of the role ``queues`` is named as that queue."""
    start = (
        f"when {event_words(cycle.start_event, zone, queues)}"
        if cycle.start_event
        else cycle.start_cause
    )
    sentences = [f"The clock started on {_at(cycle.started_at, zone)}, {start}."]
    sentences.append(_target(cycle, definition))
    sentences += _pauses(cycle, zone, definition, queues)
    sentences += _adjustments(cycle, zone)
    target = cycle.effective_target()
    deadline = None if target is None else cycle.position(target)
    horizon = deadline or cycle.ended_at or now
    holidays = _holidays(cycle, horizon)
    if holidays:
        days = ", ".join(d.strftime("%a %d %b") for d in holidays)
        sentences.append(f"Holidays on its calendar are skipped: {days}.")
    if deadline is not None and target is not None:
        sentences.append(
            f"So the deadline is {_at(deadline, zone)}, when {duration(target)} will have "
            "been counted."
            if deadline > now
            else f"So the deadline was {_at(deadline, zone)}, when {duration(target)} had "
            "been counted."
        )
        rules = (track.compiled.warning, *track.compiled.warnings)
        for rung, rule in enumerate(rules, start=1):
            warning = warning_instant(rule, cycle, target)
            if warning is not None:
                tense = "goes" if warning > now else "went"
                which = f"warning {rung} of {len(rules)}" if len(rules) > 1 else "warning"
                sentences.append(f"The {which} {tense} out on {_at(warning, zone)}.")
    elif target is not None:
        sentences.append("While the clock is paused the deadline is not known.")
    sentences.append(_ending(cycle, deadline, now, zone, queues))
    counted = _counted(cycle, horizon, zone) if horizon > cycle.started_at else []
    if cycle.clock is not cycle.business:
        counted = []  # calendar time: every hour counts, nothing to list
    return Story(tuple(sentences), tuple(counted[:MAX_SPANS]), max(0, len(counted) - MAX_SPANS))
