"""Evaluating a whole events file against a bundle: what ``caseclock simulate`` shows.

Pure: the caller reads the files and the clock; this module groups the events by record,
chooses each record's process with the bundle's entitlement rules (or the one forced), and
evaluates it at one instant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.entitlement import choose_process
from caseclock.core.evaluate import evaluate_replay, replay_record
from caseclock.core.events import Event, EventType
from caseclock.core.milestones import Milestone, Timer, milestone_to_json, timer_to_json
from caseclock.core.overrides import unknown_milestone
from caseclock.core.policy import PolicyBundle
from caseclock.core.replay import Replay
from caseclock.core.timeline import build_timeline
from caseclock.core.timers import next_timers


@dataclass(frozen=True, slots=True)
class RecordResult:
    """One record's evaluation; ``process`` is None when no entitlement applies (no clock)."""

    record: str
    process: str | None
    version: int | None
    milestones: list[Milestone]
    timers: list[Timer]
    replay: Replay | None


def calendars_of(bundle: PolicyBundle) -> dict[str, BusinessCalendar]:
    """The bundle's calendars, ready for arithmetic, by name."""
    return {spec.name: BusinessCalendar(spec) for spec in bundle.calendars}


def initial_fields(timeline: Iterable[Event]) -> tuple[dict[str, Any], datetime | None]:
    """The record's fields from its ``created`` event, and when it was created."""
    for event in timeline:
        if event.type is EventType.CREATED:
            return dict(event.data), event.at
    return {}, None


def group_by_record(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Each record's timeline (deduplicated, ordered), records in order of first appearance."""
    grouped: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        grouped[event.record].append(event)
    return {record: build_timeline(items) for record, items in grouped.items()}


def simulate_record(
    bundle: PolicyBundle,
    timeline: list[Event],
    now: datetime,
    *,
    calendars: Mapping[str, BusinessCalendar],
    accounts: Mapping[str, Mapping[str, Any]],
    process: str | None = None,
) -> RecordResult:
    """Choose the record's process and evaluate it at ``now``."""
    record = timeline[0].record
    fields, created_at = initial_fields(timeline)
    account = accounts.get(str(fields.get("account")), {})
    key = process or choose_process(bundle.entitlement_rules, fields, account, at=created_at)
    if key is None:
        return RecordResult(record, None, None, [], [], None)
    chosen = bundle.processes[key]
    for event in timeline:
        problem = unknown_milestone(chosen, event) if event.type is EventType.OVERRIDE else None
        if problem is not None:
            raise ValueError(f"record {record}, event {event.id}: {problem}")
    result = replay_record(chosen, timeline, now, calendars=calendars, account=account)
    milestones = evaluate_replay(result)
    return RecordResult(
        record, key, chosen.version, milestones, next_timers(milestones, after=now), result
    )


def simulate(
    bundle: PolicyBundle,
    events: Iterable[Event],
    now: datetime,
    *,
    accounts: Mapping[str, Mapping[str, Any]] | None = None,
    process: str | None = None,
) -> list[RecordResult]:
    """Every record of ``events`` evaluated at ``now``."""
    if process is not None and process not in bundle.processes:
        raise ValueError(f"the bundle has no process {process!r}")
    calendars = calendars_of(bundle)
    return [
        simulate_record(
            bundle, timeline, now, calendars=calendars, accounts=accounts or {}, process=process
        )
        for timeline in group_by_record(events).values()
    ]


def result_to_json(result: RecordResult) -> dict[str, Any]:
    """``{"record", "process", "version", "milestones": [...], "timers": [...]}``."""
    return {
        "record": result.record,
        "process": result.process,
        "version": result.version,
        "milestones": [milestone_to_json(m) for m in result.milestones],
        "timers": [timer_to_json(t) for t in result.timers],
    }
