"""Event ingestion: store new facts and bring each touched record's milestones up to date.

Everything for one batch happens in the caller's transaction: the events, new records, tasks
and notes, the record columns and the milestone rows. Per event the outcome is ``accepted``,
``duplicate`` (same record and id already stored, or earlier in the batch: ignored) or
``rejected`` with the reasons. A late event is placed at its ``at``: the record is re-evaluated
from its whole timeline, whatever order events arrived in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.events import Event, EventType
from caseclock.core.overrides import unknown_milestone
from caseclock.core.policy import DEFAULT_CLOSED_STATUSES
from caseclock.core.record_fields import record_fields
from caseclock.core.timeline import build_timeline
from caseclock.core.validation import describe_validation_error
from caseclock.services import audit
from caseclock.services.access import Principal
from caseclock.services.assignment import ProcessChooser, active_entitlements
from caseclock.services.evaluation import (
    AccountFacts,
    RecordEvaluator,
    account_facts,
    wanted_rows,
)
from caseclock.services.storable import unstorable
from caseclock.services.timers import Refreshed, after_refresh
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.milestones import MilestoneRepository, Wanted
from caseclock.store.repositories.records import (
    EventRepository,
    RecordRepository,
    StoredEvent,
    WorkItemRepository,
)
from caseclock.store.repositories.timers import FiringRepository, TimerId


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(slots=True)
class EventResult:
    index: int
    id: str | None
    record: str | None
    outcome: Outcome = Outcome.ACCEPTED
    errors: list[str] = field(default_factory=list)
    not_found: bool = False  # rejected because the record is unknown (or out of scope)

    def reject(self, message: str, *, not_found: bool = False) -> None:
        self.outcome = Outcome.REJECTED
        self.errors.append(message)
        self.not_found = not_found


def ingest(
    session: Session,
    items: Sequence[Mapping[str, Any]],
    *,
    principal: Principal,
    now: datetime,
) -> list[EventResult]:
    """Validate, de-duplicate, store and evaluate a batch; return one result per item."""
    results, events = _validate(items)
    known = RecordRepository(session).lock({e.record for e in events.values()})
    _mark_duplicates(session, results, events)
    records = {record_id: row["account_id"] for record_id, row in known.items()}
    new_records = _check_records(results, events, records, principal)
    accepted = {i: e for i, e in events.items() if results[i].outcome is Outcome.ACCEPTED}
    if not accepted:
        return results
    if not _create_records(session, new_records, now=now):
        # A concurrent batch created one of these records since it was looked up: go again,
        # now that it is there (its created event is then refused, or a duplicate).
        return ingest(session, items, principal=principal, now=now)
    _check_overrides(session, results, accepted, known)
    accepted = {i: e for i, e in accepted.items() if results[i].outcome is Outcome.ACCEPTED}
    if not accepted:
        return results
    EventRepository(session).insert_many(
        [
            {
                "record_id": e.record,
                "event_id": e.id,
                "type": str(e.type),
                "occurred_at": e.at,
                "received_at": now,
                "data": dict(e.data),
            }
            for e in accepted.values()
        ]
    )
    _materialize_work_items(session, list(accepted.values()))
    audit.overrides(
        session,
        (e for e in accepted.values() if e.type is EventType.OVERRIDE),
        principal=principal,
        at=now,
    )
    refresh(session, {e.record for e in accepted.values()}, now=now, known=known)
    return results


def _validate(items: Sequence[Mapping[str, Any]]) -> tuple[list[EventResult], dict[int, Event]]:
    results: list[EventResult] = []
    events: dict[int, Event] = {}
    for index, item in enumerate(items):
        raw_id = item.get("id") if isinstance(item, Mapping) else None
        raw_record = item.get("record") if isinstance(item, Mapping) else None
        result = EventResult(
            index,
            raw_id if isinstance(raw_id, str) else None,
            raw_record if isinstance(raw_record, str) else None,
        )
        results.append(result)
        try:
            event = Event.model_validate(item)
        except ValidationError as exc:
            for message in describe_validation_error(exc):
                result.reject(message)
            continue
        problem = unstorable(event)
        if problem is None:
            events[index] = event
        else:
            result.reject(problem)
    return results, events


def _mark_duplicates(
    session: Session, results: list[EventResult], events: dict[int, Event]
) -> None:
    stored = EventRepository(session).existing_keys((e.record, e.id) for e in events.values())
    seen: set[tuple[str, str]] = set()
    for index, event in events.items():
        key = (event.record, event.id)
        if key in stored or key in seen:
            results[index].outcome = Outcome.DUPLICATE
        seen.add(key)


def _check_records(
    results: list[EventResult],
    events: dict[int, Event],
    records: dict[str, str | None],
    principal: Principal,
) -> dict[str, Event]:
    """Reject events on unknown or unseen records; return the created events that make records."""
    new_records: dict[str, Event] = {}
    live = [(i, e) for i, e in events.items() if results[i].outcome is Outcome.ACCEPTED]
    for index, event in sorted(live, key=lambda item: (item[1].at, item[0])):
        if event.type is not EventType.CREATED:
            continue
        if event.record in records or event.record in new_records:
            results[index].reject(
                f"record {event.record!r} already exists: a record takes one created event"
            )
            continue
        account = event.data.get("account")
        if not principal.sees_account(account if isinstance(account, str) else None):
            results[index].reject(f"no account {account!r} for this key", not_found=True)
            continue
        new_records[event.record] = event
    for index, event in live:
        if event.type is EventType.CREATED:
            continue
        visible = event.record in records and principal.sees_account(records[event.record])
        if not visible and event.record not in new_records:
            results[index].reject(
                f"unknown record {event.record!r}: send its created event first", not_found=True
            )
    return new_records


def _check_overrides(
    session: Session,
    results: list[EventResult],
    accepted: dict[int, Event],
    known: Mapping[str, Mapping[str, Any]],
) -> None:
    """Reject an override naming a milestone the record's process version does not have: a
    typo must not be stored as an SLA change that silently does nothing."""
    overrides = {i: e for i, e in accepted.items() if e.type is EventType.OVERRIDE}
    if not overrides:
        return
    columns = _columns(session, {e.record for e in overrides.values()}, known)
    evaluator = RecordEvaluator(session)
    for index, event in overrides.items():
        row = columns.get(event.record, {})
        process = evaluator.process(row.get("process_key"), row.get("process_version"))
        if process is None:
            continue  # no clock runs yet; an entitlement added later may give it one
        problem = unknown_milestone(process, event)
        if problem is not None:
            results[index].reject(problem)


def _create_records(session: Session, created: dict[str, Event], *, now: datetime) -> bool:
    """Insert the records ``created`` makes; False, with none of them left inserted, when a
    concurrent batch has inserted one of them first."""
    if not created:
        return True
    chooser = ProcessChooser(session)
    projected = {record_id: record_fields([event]) for record_id, event in created.items()}
    account_ids = {f.account for f in projected.values() if f.account is not None}
    accounts = AccountRepository(session).get_many(account_ids)
    on = now.date()
    entitlements = active_entitlements(session, account_ids, on)
    rows: list[dict[str, Any]] = []
    for record_id, event in created.items():
        fields = projected[record_id]
        account = accounts.get(fields.account) if fields.account else None
        explicit = event.data.get("process")
        assignment = chooser.choose(
            fields.as_facts(),
            account_facts(account),
            at=event.at,
            explicit=explicit if isinstance(explicit, str) else None,
            entitlements=entitlements.get(fields.account or "", []),
        )
        rows.append(
            {
                "id": record_id,
                "type": fields.type,
                "account_id": fields.account,
                "fields": {},
                "is_closed": False,
                "process_key": assignment.process_key if assignment else None,
                "process_version": assignment.process_version if assignment else None,
                "entitlement_id": assignment.entitlement_id if assignment else None,
                "created_at": event.at,
                "updated_at": event.at,
                "received_at": now,
                "event_count": 0,
            }
        )
    repo = RecordRepository(session)
    inserted = repo.insert_new(rows)
    if len(inserted) == len(rows):
        return True
    repo.delete(inserted)
    return False


def _materialize_work_items(session: Session, events: list[Event]) -> None:
    """Tasks and notes (internal notes, handoff notes) as rows beside their events."""
    wanted = [
        e
        for e in events
        if e.type in (EventType.TASK, EventType.NOTE)
        or (e.type is EventType.OWNER and e.data.get("note"))
    ]
    if not wanted:
        return
    seqs = EventRepository(session).seqs((e.record, e.id) for e in wanted)
    tasks, notes = [], []
    for event in wanted:
        seq = seqs[(event.record, event.id)]
        data = event.data
        if event.type is EventType.TASK:
            tasks.append(
                {
                    "record_id": event.record,
                    "event_seq": seq,
                    "title": data["title"],
                    "assignee": data.get("assignee"),
                    "due_at": event.payload().model_dump().get("due"),
                    "status": "open",
                    "created_at": event.at,
                }
            )
        else:
            notes.append(
                {
                    "record_id": event.record,
                    "event_seq": seq,
                    "kind": "note" if event.type is EventType.NOTE else "handoff",
                    "author": data.get("author"),
                    "body": data.get("body") or data.get("note"),
                    "created_at": event.at,
                }
            )
    repo = WorkItemRepository(session)
    repo.add_tasks(tasks)
    repo.add_notes(notes)


_EVENT_TYPES = {str(kind): kind for kind in EventType}  # a dict lookup; EventType() is slow


def to_event(stored: StoredEvent) -> Event:
    """Rebuild an already validated event without validating it again."""
    return Event.model_construct(
        id=stored.event_id,
        record=stored.record_id,
        type=_EVENT_TYPES[stored.type],
        at=stored.occurred_at,
        data=stored.data,
    )


def _columns(
    session: Session, record_ids: set[str], known: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """The records' columns: those in ``known`` (just read by the caller), the rest read."""
    given = {r: known[r] for r in record_ids if r in known}
    return {**given, **RecordRepository(session).columns(record_ids - given.keys())}


def refresh(
    session: Session,
    record_ids: set[str],
    *,
    now: datetime,
    known: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Recompute the records' columns and milestone rows from their whole timelines.

    ``known`` holds the columns of records the caller has just read (the others are read).
    """
    records = RecordRepository(session)
    current = _columns(session, record_ids, known or {})
    timelines = EventRepository(session).timelines(record_ids)
    accounts = AccountRepository(session).get_many(
        {r["account_id"] for r in current.values() if r["account_id"] is not None}
    )
    account_facts_of = AccountFacts(accounts)
    evaluator = RecordEvaluator(session)
    evaluator.preload(
        [
            (r["process_key"], r["process_version"])
            for r in current.values()
            if r["process_key"] is not None and r["process_version"] is not None
        ]
    )
    fired: dict[str, set[TimerId]] = {}  # each record's fired timers, most have none
    for timer in FiringRepository(session).fired(record_ids):
        fired.setdefault(timer[0], set()).add(timer)
    changed: list[dict[str, Any]] = []
    stored: dict[str, Mapping[str, Any]] = dict(current)  # the columns once updated
    wanted: list[Wanted] = []
    for record_id, row in current.items():
        timeline = build_timeline(to_event(s) for s in timelines[record_id])
        process = evaluator.process(row["process_key"], row["process_version"])
        closed_statuses = DEFAULT_CLOSED_STATUSES if process is None else process.closed_statuses
        fields = record_fields(timeline, closed_statuses)
        values = {
            "id": record_id,
            "type": fields.type,
            "status": fields.status,
            "priority": fields.priority,
            "owner": fields.owner,
            "team": fields.team,
            "account_id": fields.account,
            "tier": fields.tier,
            "region": fields.region,
            "product": fields.product,
            "fields": fields.custom,
            "is_closed": fields.is_closed,
            "updated_at": fields.updated_at or row["updated_at"],
            "event_count": len(timeline),
        }
        if any(row[name] != value for name, value in values.items()):
            changed.append(values)
            stored[record_id] = {**row, **values}
        milestones = evaluator.evaluate(
            process,
            timeline,
            now,
            account_facts_of(row["account_id"]),
        )
        wanted.extend(
            wanted_rows(record_id, fields, milestones, now=now, fired=fired.get(record_id, ()))
        )
    records.update_many(changed)
    written = MilestoneRepository(session).replace(record_ids, wanted)
    after_refresh(  # the worker's next timers and wake-up, from what is in hand
        session,
        record_ids,
        now=now,
        refreshed=Refreshed(stored, timelines, written, accounts),
    )
    session.expire_all()  # ORM copies of these records (if any) must not outlive the update
