"""Records: create one (its created event), read it with live milestones, list and filter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.evaluate import evaluate_replay, replay_record
from caseclock.core.events import ID_LENGTH, Event
from caseclock.core.milestones import Milestone
from caseclock.core.policy import Process
from caseclock.core.policy_preview import as_migrated
from caseclock.core.provenance import Provenance
from caseclock.core.replay import Replay
from caseclock.core.timeline import build_timeline
from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services.access import Principal
from caseclock.services.evaluation import RecordEvaluator, account_facts
from caseclock.services.ingest import FUTURE_ALLOWANCE, EventResult, Outcome, ingest, to_event
from caseclock.store.models import AccountRow, EventRow, NoteRow, RecordRow, TaskRow
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.people import UserRepository
from caseclock.store.repositories.policy import PolicyChangeRepository
from caseclock.store.repositories.records import (
    EventRepository,
    RecordFilter,
    RecordRepository,
    WorkItemRepository,
)


@dataclass(frozen=True, slots=True)
class Kept:
    """A cycle a policy migration kept as it was decided: the process version it ran under,
    and that version's replay (its explanation) and process."""

    version: int
    process: Process
    replay: Replay


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A record's milestones evaluated live at ``now`` on the version it keeps; a cycle a
    policy migration kept stays as it ran under its version (``kept``, by key and cycle)."""

    record: RecordRow
    process: Process | None
    milestones: list[Milestone]
    now: datetime
    timeline: list[Event]
    account: AccountRow | None
    calendars: Mapping[str, BusinessCalendar]
    replay: Replay | None  # None without a process or events: no clock runs
    provenance: Mapping[str, Provenance]  # where each event came from, by event id
    kept: Mapping[tuple[str, int], Kept] = field(default_factory=dict)

    def kept_version(self, milestone: Milestone) -> int | None:
        """The process version a cycle was kept under (None: the record's own)."""
        found = self.kept.get((milestone.key, milestone.cycle))
        return found.version if found is not None else None


def get_record(session: Session, record_id: str, principal: Principal) -> RecordRow:
    row = RecordRepository(session).get(record_id)
    if row is None or not principal.sees_account(row.account_id):
        raise NotFound(f"no record {record_id!r}")
    return row


def create_record(
    session: Session,
    *,
    record_id: str,
    created: dict[str, Any],
    at: datetime | None,
    event_id: str | None,
    principal: Principal,
    provenance: Provenance,
    now: datetime,
    future_allowance: timedelta = FUTURE_ALLOWANCE,
) -> RecordRow:
    """Create a record through its ``created`` event, exactly as a helpdesk sync would."""
    if RecordRepository(session).get(record_id) is not None:
        raise Conflict(f"record {record_id!r} already exists", path="id")
    event = {
        "id": event_id or _created_event_id(record_id),
        "record": record_id,
        "type": "created",
        "at": (at or now).isoformat(),
        "data": created,
    }
    result = ingest(
        session,
        [event],
        principal=principal,
        provenance=provenance,
        now=now,
        future_allowance=future_allowance,
    )[0]
    raise_for(result)
    return get_record(session, record_id, principal)


def _created_event_id(record_id: str) -> str:
    """``<id>:created``; plain ``created`` when that would be longer than an event id may be
    (ids are unique per record, so either is)."""
    default = f"{record_id}:created"
    return default if len(default) <= ID_LENGTH else "created"


def raise_for(result: EventResult) -> None:
    """Turn a rejected event into the domain error a single-event request answers with."""
    if result.outcome is not Outcome.REJECTED:
        return
    message = "; ".join(result.errors)
    if result.not_found:
        raise NotFound(message)
    path, sep, detail = message.partition(": ")
    if not sep or " " in path:  # a reason about the whole event ("unknown field 'x'")
        path, detail = "body", message
    raise ValidationFailed(detail, path=path)


def list_records(
    session: Session,
    where: RecordFilter,
    principal: Principal,
    *,
    limit: int,
    offset: int,
) -> Sequence[RecordRow]:
    return RecordRepository(session).list(
        where, scope=principal.accounts, limit=limit, offset=offset
    )


def record_events(
    session: Session, record: RecordRow, *, limit: int, offset: int = 0, newest_first: bool = False
) -> Sequence[EventRow]:
    return EventRepository(session).for_record(
        record.id, limit=limit, offset=offset, newest_first=newest_first
    )


def evaluate_record(session: Session, record: RecordRow, *, now: datetime) -> Evaluated:
    """The record's milestones at ``now``, with the replay they come from (the console draws
    pauses and explains deadlines from it: the same reckoning, never a second one). A cycle a
    policy migration kept (``kept_version``) is evaluated on the version it ran under, with
    the calendar version it was counted on, as the store keeps it."""
    evaluator = RecordEvaluator(session)
    process = evaluator.process(record.process_key, record.process_version)
    stored = EventRepository(session).timelines({record.id})[record.id]
    timeline = build_timeline(to_event(s) for s in stored)
    account = AccountRepository(session).get(record.account_id) if record.account_id else None
    facts = account_facts(account)
    calendars = evaluator.calendars_for(record.calendar_versions)
    replay = (
        replay_record(process, timeline, now, calendars=calendars, account=facts)
        if process is not None and timeline
        else None
    )
    milestones = evaluate_replay(replay) if replay is not None else []
    kept: dict[tuple[str, int], Kept] = {}
    if replay is not None:
        held = PolicyChangeRepository(session).kept_cycles(record.id)
        runs: dict[tuple[int, frozenset[tuple[str, int]]], list[tuple[str, int]]] = {}
        for cycle, (version, calendar, calendar_version) in held.items():
            pinned = {calendar: calendar_version} if calendar and calendar_version else {}
            runs.setdefault((version, frozenset(pinned.items())), []).append(cycle)
        for (version, counted_on), cycles in runs.items():
            earlier = evaluator.process(record.process_key, version)
            if earlier is None:
                continue
            versions = {**(record.calendar_versions or {}), **dict(counted_on)}
            ran = replay_record(
                earlier,
                timeline,
                now,
                calendars=evaluator.calendars_for(versions),
                account=facts,
            )
            for m in evaluate_replay(ran):
                if (m.key, m.cycle) in cycles:
                    kept[(m.key, m.cycle)] = Kept(version, earlier, ran)
        milestones = _with_kept(milestones, kept, now)
    return Evaluated(
        record=record,
        process=process,
        milestones=milestones,
        now=now,
        timeline=timeline,
        account=account,
        calendars=calendars,
        replay=replay,
        provenance={s.event_id: Provenance(s.source, s.actor) for s in stored},
        kept=kept,
    )


def _with_kept(
    milestones: list[Milestone], kept: dict[tuple[str, int], Kept], now: datetime
) -> list[Milestone]:
    """The milestones as the store keeps them (``core.policy_preview.as_migrated``): a kept
    cycle as it ran under its version while the record's version finds it decided too; one
    the record's version runs again is its own (and no longer kept)."""
    if not kept:
        return milestones
    earlier = [
        m
        for found in {id(k.replay): k.replay for k in kept.values()}.values()
        for m in evaluate_replay(found)
        if (m.key, m.cycle) in kept
    ]
    merged = as_migrated(earlier, milestones, now)
    still = {(m.key, m.cycle) for m in merged if any(m is e for e in earlier)}
    for cycle in set(kept) - still:
        del kept[cycle]
    return merged


def actor_names(session: Session, actors: Iterable[str | None]) -> dict[str, str]:
    """The display names of the users among ``actors`` (handles), by handle."""
    handles = {a for a in actors if a is not None and not a.startswith("service:")}
    return {h: u.display_name for h, u in UserRepository(session).by_handles(handles).items()}


def work_items(session: Session, record: RecordRow) -> tuple[Sequence[TaskRow], Sequence[NoteRow]]:
    """The record's tasks and notes (handoff notes included), oldest first."""
    repo = WorkItemRepository(session)
    return repo.tasks_for(record.id), repo.notes_for(record.id)


def count_records(session: Session) -> int:
    return RecordRepository(session).count()
