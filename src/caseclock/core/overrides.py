"""Overrides: dynamic SLAs as timeline events, each with who and why.

``extend`` / ``shorten`` move the open cycle's target by an amount counted on its clock
(``4h`` business time, ``1bd`` the business time of the next business day, ``2d`` calendar
time; on a calendar-time milestone ``4h`` is four hours of calendar time); ``pause`` holds the
clock until a ``resume``, through a close and a reopen; ``pause_until`` holds it until an
instant or a ``resume``, whichever comes first.
An override for a milestone with no open cycle changes nothing and is noted for ``--explain``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from caseclock.core.cycles import Adjustment, Cycle, Pause
from caseclock.core.events import Event
from caseclock.core.instants import instant_us
from caseclock.core.periods import parse_period
from caseclock.core.policy import DEFAULT_MAX_EXTENSION, Process
from caseclock.core.targets import amount_on


def _kind(data: Mapping[str, object]) -> str:
    return next(k for k in ("extend", "shorten", "pause_until", "pause", "resume") if data.get(k))


def _holds(pause: Pause, at_us: int) -> bool:
    """Whether ``pause`` is an override hold that is on at instant ``at_us`` (microseconds)."""
    return (
        pause.kind == "override"
        and pause.start_us <= at_us
        and (pause.end_us is None or pause.end_us > at_us)
    )


def _held_by_override(cycle: Cycle, at_us: int) -> Pause | None:
    """The override hold on ``cycle`` at instant ``at_us`` (microseconds), if any."""
    return next((pause for pause in cycle.pauses if _holds(pause, at_us)), None)


def _extension(cycle: Cycle, text: str, at: datetime) -> timedelta:
    """``text`` (an extend or shorten amount) on the cycle's clock, from its deadline."""
    ref = cycle.deadline() or at
    return amount_on(cycle.clock, parse_period(text), cycle.business, ref)


def refusal(cycle: Cycle, event: Event, max_extension: str) -> str | None:
    """Why an override cannot apply to the open ``cycle``, or None: pausing a clock an
    override already holds, resuming one no override holds, or extending a cycle by more than
    ``max_extension`` in all (counted on its clock)."""
    data, at = event.data, event.at
    kind = _kind(data)
    held = _held_by_override(cycle, instant_us(at))
    if kind in ("pause", "pause_until") and held is not None:
        since = held.start.isoformat()
        return f"the {cycle.key} clock is already paused by an override (since {since})"
    if kind == "resume" and held is None:
        return f"the {cycle.key} clock is not paused by an override: nothing to resume"
    if kind == "extend":
        limit = _extension(cycle, max_extension, at)
        total = sum(
            (a.amount for a in cycle.adjustments if a.kind == "extend"),
            _extension(cycle, str(data["extend"]), at),
        )
        if total > limit:
            return (
                f"extending {cycle.key} by {data['extend']} would extend this cycle by more "
                f"than the process allows in all (max_extension {max_extension})"
            )
    return None


def apply_override(
    cycle: Cycle | None,
    event: Event,
    notes: list[tuple[datetime, str]],
    max_extension: str = DEFAULT_MAX_EXTENSION,
) -> str | None:
    """Apply one override event to ``cycle`` (or note that there was nothing to apply it to);
    an override ``refusal`` refuses is noted and ignored, and its reason returned."""
    data, at = event.data, event.at
    kind = _kind(data)
    who = f"by {data['by']}: {data['reason']}"
    if cycle is None:
        notes.append((at, f"override {kind} {who} ignored: no open cycle"))
        return None
    refused = refusal(cycle, event, max_extension)
    if refused is not None:
        cycle.notes.append((at, f"override {kind} {who} refused: {refused}"))
        return refused
    if kind in ("extend", "shorten"):
        text = str(data[kind])
        amount = _extension(cycle, text, at)
        change: Literal["extend", "shorten"] = "extend" if kind == "extend" else "shorten"
        by, reason = str(data["by"]), str(data["reason"])
        cycle.adjustments.append(Adjustment(at, change, amount, text, by, reason, event))
    elif kind == "pause_until":
        until = datetime.fromisoformat(str(data["pause_until"]))
        if until <= at:
            cycle.notes.append(
                (at, f"override pause_until {until.isoformat()} {who} ignored: past")
            )
            return None
        cause = f"paused until {until.isoformat()} {who}"
        cycle.pauses.append(Pause(at, until, "override", cause, event, "pause_until reached"))
    elif kind == "pause":
        cycle.pauses.append(Pause(at, None, "override", f"paused {who}", event))
    else:  # resume: ends every override hold still on at ``at``, ``pause_until`` ones included
        at_us = instant_us(at)
        for pause in cycle.pauses:
            if _holds(pause, at_us):
                pause.close(at, at_us, f"resumed {who}", event)
    return None


def unknown_milestone(process: Process, event: Event) -> str | None:
    """Why an override cannot apply to a record of ``process``: it names a milestone the process
    lacks (None when the process has it). A typo must not become an SLA change that silently
    does nothing."""
    keys = [m.key for m in process.milestones]
    wanted = event.data.get("milestone")
    if wanted in keys:
        return None
    return (
        f"data.milestone: process {process.key} v{process.version} has no milestone "
        f"{wanted!r}; it has {', '.join(keys)}"
    )
