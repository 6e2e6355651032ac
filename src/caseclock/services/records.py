"""Records: create one (its created event), read it with live milestones, list and filter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.evaluate import evaluate_replay, replay_record
from caseclock.core.events import ID_LENGTH, Event
from caseclock.core.milestones import Milestone
from caseclock.core.policy import Process
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
from caseclock.store.repositories.records import (
    EventRepository,
    RecordFilter,
    RecordRepository,
    WorkItemRepository,
)


@dataclass(frozen=True, slots=True)
class Evaluated:
    """A record's milestones evaluated live at ``now`` on the version it keeps."""

    record: RecordRow
    process: Process | None
    milestones: list[Milestone]
    now: datetime
    timeline: list[Event]
    account: AccountRow | None
    calendars: Mapping[str, BusinessCalendar]
    replay: Replay | None  # None without a process or events: no clock runs
    provenance: Mapping[str, Provenance]  # where each event came from, by event id


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
    pauses and explains deadlines from it: the same reckoning, never a second one)."""
    evaluator = RecordEvaluator(session)
    process = evaluator.process(record.process_key, record.process_version)
    stored = EventRepository(session).timelines({record.id})[record.id]
    timeline = build_timeline(to_event(s) for s in stored)
    account = AccountRepository(session).get(record.account_id) if record.account_id else None
    calendars = evaluator.calendars_for(record.id)
    replay = (
        replay_record(process, timeline, now, calendars=calendars, account=account_facts(account))
        if process is not None and timeline
        else None
    )
    return Evaluated(
        record=record,
        process=process,
        milestones=evaluate_replay(replay) if replay is not None else [],
        now=now,
        timeline=timeline,
        account=account,
        calendars=calendars,
        replay=replay,
        provenance={s.event_id: Provenance(s.source, s.actor) for s in stored},
    )


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
