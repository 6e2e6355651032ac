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
from datetime import datetime
from typing import Literal

from caseclock.core.cycles import Adjustment, Cycle, Pause
from caseclock.core.events import Event
from caseclock.core.instants import instant_us
from caseclock.core.periods import parse_period
from caseclock.core.policy import Process
from caseclock.core.targets import amount_on


def _kind(data: Mapping[str, object]) -> str:
    return next(k for k in ("extend", "shorten", "pause_until", "pause", "resume") if data.get(k))


def apply_override(cycle: Cycle | None, event: Event, notes: list[tuple[datetime, str]]) -> None:
    """Apply one override event to ``cycle`` (or note that there was nothing to apply it to)."""
    data, at = event.data, event.at
    kind = _kind(data)
    who = f"by {data['by']}: {data['reason']}"
    if cycle is None:
        notes.append((at, f"override {kind} {who} ignored: no open cycle"))
        return
    if kind in ("extend", "shorten"):
        text = str(data[kind])
        ref = cycle.deadline() or at
        amount = amount_on(cycle.clock, parse_period(text), cycle.business, ref)
        change: Literal["extend", "shorten"] = "extend" if kind == "extend" else "shorten"
        by, reason = str(data["by"]), str(data["reason"])
        cycle.adjustments.append(Adjustment(at, change, amount, text, by, reason, event))
    elif kind == "pause_until":
        until = datetime.fromisoformat(str(data["pause_until"]))
        if until <= at:
            cycle.notes.append(
                (at, f"override pause_until {until.isoformat()} {who} ignored: past")
            )
            return
        cause = f"paused until {until.isoformat()} {who}"
        cycle.pauses.append(Pause(at, until, "override", cause, event, "pause_until reached"))
    elif kind == "pause":
        cycle.pauses.append(Pause(at, None, "override", f"paused {who}", event))
    else:  # resume: ends every override hold still on at ``at``, ``pause_until`` ones included
        at_us = instant_us(at)
        for pause in cycle.pauses:
            if pause.kind != "override" or pause.start_us > at_us:
                continue
            if pause.end_us is None or pause.end_us > at_us:
                pause.close(at, at_us, f"resumed {who}", event)


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
