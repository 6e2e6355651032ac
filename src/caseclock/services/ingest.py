"""Event ingestion: store new facts and bring each touched record's milestones up to date.

Everything for one batch happens in the caller's transaction: the events, new records, tasks
and notes, the record columns and the milestone rows. Per event the outcome is ``accepted``,
``duplicate`` (same record and id already stored, or earlier in the batch: ignored) or
``rejected`` with the reasons. A late event is placed at its ``at``: the record is re-evaluated
from its whole timeline, whatever order events arrived in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from caseclock.core.events import Event, EventType, stored_event
from caseclock.core.milestones import Milestone
from caseclock.core.overrides import unknown_milestone
from caseclock.core.policy import DEFAULT_CLOSED_STATUSES, Process
from caseclock.core.provenance import Provenance
from caseclock.core.record_fields import record_fields
from caseclock.core.timeline import build_timeline
from caseclock.core.validation import describe_validation_error
from caseclock.services import account_clock, audit, csat
from caseclock.services.access import Principal
from caseclock.services.assignment import ProcessChooser, active_entitlements
from caseclock.services.calendars import CalendarCache
from caseclock.services.evaluation import (
    AccountFacts,
    RecordEvaluator,
    account_facts,
    wanted_rows,
)
from caseclock.services.insights.changes import note_changed
from caseclock.services.insights.sentiment import score_comments
from caseclock.services.timers import Refreshed, after_refresh
from caseclock.store.failures import is_transient_conflict, is_unavailable
from caseclock.store.limits import event_problem
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.milestones import MilestoneRepository, Wanted
from caseclock.store.repositories.records import (
    RECORD_COLUMNS,
    EventRepository,
    RecordRepository,
    StoredEvent,
    WorkItemRepository,
)
from caseclock.store.repositories.timers import FiringRepository, TimerId

logger = logging.getLogger("caseclock.ingest")


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
    warnings: list[str] = field(default_factory=list)  # kept, but flagged (unknown statuses)
    not_found: bool = False  # rejected because the record is unknown (or out of scope)

    def reject(self, message: str, *, not_found: bool = False) -> None:
        self.outcome = Outcome.REJECTED
        self.errors.append(message)
        self.not_found = not_found


FUTURE_ALLOWANCE = timedelta(minutes=5)  # the default clock-skew allowance


def ingest(
    session: Session,
    items: Sequence[Mapping[str, Any]],
    *,
    principal: Principal,
    provenance: Provenance,
    now: datetime,
    future_allowance: timedelta = FUTURE_ALLOWANCE,
    bulk: bool = False,
    actors: Sequence[str | None] | None = None,
) -> list[EventResult]:
    """Validate, de-duplicate, store and evaluate a batch; return one result per item.

    This is how every writer adds events: the API, the console, the worker, the demo loader,
    importers and helpdesk webhooks. ``principal`` is whose accounts the events may touch;
    ``provenance`` is stored with each event: where it came from (``api``, ``console``,
    ``worker``, ``import``, ``webhook:VENDOR``, ``demo``) and who sent it. Only ``worker``
    events count as caseclock's own (no activity for escalation rules).

    ``bulk`` is the path of history imports, whose batches carry whole records: the events
    of records the batch creates are written by ``COPY`` on PostgreSQL and evaluated from the
    batch as it is, without reading their timelines back. ``actors`` (one per item, where a
    batch mixes people: an import's rows, each by its author) overrides ``provenance.actor``
    for the items where it is not None; the caller has checked each (``Provenance`` does).

    An event dated later than ``now`` by more than ``future_allowance`` (the senders' clock
    skew) is refused: it has not happened yet. One record's failure never fails another's
    events: when a batch of several records cannot be stored, each record's events are tried
    on their own, and those of a record that still fails are rejected (the error is logged).
    A transient conflict or an unreachable database fails the whole batch, to be retried.
    """

    def attempt(
        batch: Sequence[Mapping[str, Any]], by: Sequence[str | None] | None
    ) -> list[EventResult]:
        with session.begin_nested():
            return _ingest(
                session,
                batch,
                principal=principal,
                provenance=provenance,
                now=now,
                future_allowance=future_allowance,
                bulk=bulk,
                actors=by,
            )

    try:
        return attempt(items, actors)
    except Exception as exc:
        groups = _record_groups(items)
        if is_transient_conflict(exc) or is_unavailable(exc) or len(groups) < 2:
            raise
        logger.exception("a batch failed; storing it record by record")
    results: list[EventResult] = []
    for indexes in groups:
        try:
            done = attempt(
                [items[i] for i in indexes],
                None if actors is None else [actors[i] for i in indexes],
            )
        except Exception as exc:
            if is_transient_conflict(exc) or is_unavailable(exc):
                raise
            logger.exception("the events of one record could not be stored")
            done = [_unstored(items[i]) for i in indexes]
        for index, result in zip(indexes, done, strict=True):
            result.index = index
            results.append(result)
    return sorted(results, key=lambda r: r.index)


def _record_groups(items: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """The items' indexes grouped by the record they name (items naming none: one group)."""
    groups: dict[object, list[int]] = {}
    for index, item in enumerate(items):
        record = item.get("record") if isinstance(item, Mapping) else None
        groups.setdefault(record if isinstance(record, str) else None, []).append(index)
    return list(groups.values())


def _unstored(item: Mapping[str, Any]) -> EventResult:
    raw_id, raw_record = item.get("id"), item.get("record")
    result = EventResult(
        0,
        raw_id if isinstance(raw_id, str) else None,
        raw_record if isinstance(raw_record, str) else None,
    )
    result.reject("this record's events could not be stored (the error is in the server log)")
    return result


def _ingest(
    session: Session,
    items: Sequence[Mapping[str, Any]],
    *,
    principal: Principal,
    provenance: Provenance,
    now: datetime,
    future_allowance: timedelta,
    bulk: bool = False,
    actors: Sequence[str | None] | None = None,
) -> list[EventResult]:
    results, events = _validate(items, now=now, latest=now + future_allowance)
    known = RecordRepository(session).lock({e.record for e in events.values()})
    _mark_duplicates(session, results, events, known, principal)
    new_records = _check_records(results, events, known, principal)
    accepted = {i: e for i, e in events.items() if results[i].outcome is Outcome.ACCEPTED}
    if not accepted:
        return results
    created = _create_records(session, new_records, now=now)
    if created is None:
        # A concurrent batch created one of these records since it was looked up: go again,
        # now that it is there (its created event is then refused, or a duplicate).
        return _ingest(
            session,
            items,
            principal=principal,
            provenance=provenance,
            now=now,
            future_allowance=future_allowance,
            bulk=bulk,
            actors=actors,
        )
    known = {**known, **created}  # the new records' columns too, without reading them back
    _check_against_processes(session, results, accepted, known, now=now)
    _drop_refused_records(session, results, accepted, new_records)
    accepted = {i: e for i, e in accepted.items() if results[i].outcome is Outcome.ACCEPTED}
    if not accepted:
        return results
    rows: list[dict[str, Any]] = [
        {
            "record_id": e.record,
            "event_id": e.id,
            "type": str(e.type),
            "occurred_at": e.at,
            "received_at": now,
            "data": dict(e.data),
            "source": provenance.source,
            "actor": (actors[i] if actors is not None else None) or provenance.actor,
        }
        for i, e in accepted.items()
    ]
    born = set(new_records) if bulk else set()  # records whose whole timeline is this batch
    EventRepository(session).insert_many([r for r in rows if r["record_id"] not in born])
    EventRepository(session).copy_new([r for r in rows if r["record_id"] in born])
    _materialize_work_items(session, list(accepted.values()))
    score_comments(session, accepted.values(), known, new_records)
    note_changed(session, {e.record for e in accepted.values()}, now)
    audit.overrides(
        session,
        (e for e in accepted.values() if e.type is EventType.OVERRIDE),
        principal=principal,
        at=now,
    )
    given: dict[str, list[StoredEvent]] = {}  # in the order ``timelines`` reads them
    for row in sorted((r for r in rows if r["record_id"] in born), key=_occurred):
        given.setdefault(row["record_id"], []).append(StoredEvent(0, **row))
    refresh(session, {e.record for e in accepted.values()}, now=now, known=known, born=given)
    csat.store_answers(session, accepted.values(), provenance)
    return results


def _occurred(row: Mapping[str, Any]) -> datetime:
    return row["occurred_at"]  # type: ignore[no-any-return]


def _validate(
    items: Sequence[Mapping[str, Any]], *, now: datetime, latest: datetime
) -> tuple[list[EventResult], dict[int, Event]]:
    """Parse and check each item. An event dated after ``latest`` is refused; one dated after
    ``now`` but within the allowance is placed at ``now``: nothing is received before it
    happens (the sender's clock is ahead), and a record's stored fields never run ahead of its
    milestones, which are evaluated up to ``now``."""
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
        problem = event_problem(event)
        if problem is None and account_clock.is_customer_record(event.record):
            problem = (
                f"record: {event.record!r} holds an account's customer milestones, which take "
                "no events; work on them through /accounts/{id}/milestones"
            )
        if problem is None and event.at > latest:
            problem = (
                f"at: {event.at.isoformat()} is in the future (this server's clock allows "
                f"events up to {latest.isoformat()}); send it once it has happened"
            )
        if problem is not None:
            result.reject(problem)
            continue
        events[index] = event if event.at <= now else event.model_copy(update={"at": now})
    return results, events


def _mark_duplicates(
    session: Session,
    results: list[EventResult],
    events: dict[int, Event],
    known: Mapping[str, Mapping[str, Any]],
    principal: Principal,
) -> None:
    """Mark events already stored, or earlier in the batch, as duplicates; never for a record
    the caller cannot see (whose event ids it must not learn: ``_check_records`` answers).
    Only events of records that exist are looked up: a record not in ``known`` has no events
    (they reference it), and one created by a concurrent batch since makes ``_ingest`` start
    again (``_create_records``), its events then looked up."""
    visible = {
        i: e
        for i, e in events.items()
        if e.record not in known or principal.sees_account(known[e.record]["account_id"])
    }
    stored = EventRepository(session).existing_keys(
        (e.record, e.id) for e in visible.values() if e.record in known
    )
    seen: set[tuple[str, str]] = set()
    for index, event in visible.items():
        key = (event.record, event.id)
        if key in stored or key in seen:
            results[index].outcome = Outcome.DUPLICATE
        seen.add(key)


def _check_records(
    results: list[EventResult],
    events: dict[int, Event],
    known: Mapping[str, Mapping[str, Any]],
    principal: Principal,
) -> dict[str, Event]:
    """Reject events on unknown or unseen records, events dated before their record's created
    event, and moves out of the caller's accounts; return the created events that make
    records.

    A record outside the caller's accounts answers as an unknown one does, whatever its event
    ids. Only the created event of an id taken in another account says "already exists", as
    for one taken in the caller's own: ids are unique in the installation.
    """
    new_records: dict[str, Event] = {}
    live = [(i, e) for i, e in events.items() if results[i].outcome is Outcome.ACCEPTED]
    for index, event in sorted(live, key=lambda item: (item[1].at, item[0])):
        if event.type is not EventType.CREATED:
            continue
        if event.record in known or event.record in new_records:
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
        row = known.get(event.record)
        visible = row is not None and principal.sees_account(row["account_id"])
        if not visible and event.record not in new_records:
            results[index].reject(
                f"unknown record {event.record!r}: send its created event first", not_found=True
            )
            continue
        created_at = row["created_at"] if row is not None else new_records[event.record].at
        if event.at < created_at:
            results[index].reject(
                f"at: {event.at.isoformat()} is before the record was created "
                f"({created_at.isoformat()})"
            )
        elif _leaves_scope(event, principal):
            results[index].reject(f"data.value: no account {event.data['value']!r} for this key")
    return new_records


def _leaves_scope(event: Event, principal: Principal) -> bool:
    """Whether a ``field`` event would move the record to an account the caller cannot see
    (a record's account changes only within the caller's accounts)."""
    if event.type is not EventType.FIELD or event.data.get("field") != "account":
        return False
    value = event.data.get("value")
    return not principal.sees_account(value if isinstance(value, str) else None)


def _check_against_processes(
    session: Session,
    results: list[EventResult],
    accepted: dict[int, Event],
    known: Mapping[str, Mapping[str, Any]],
    *,
    now: datetime,
) -> None:
    """Check events against their record's process version: an override must name one of its
    milestones (a typo must not be stored as an SLA change that silently does nothing) and be
    one the evaluator accepts (not a pause of a paused clock, a resume of a running one, too
    long an extension), and a status must be one it declares (refused, or flagged where the
    process allows others)."""
    checked = {
        i: e
        for i, e in accepted.items()
        if e.type is EventType.OVERRIDE
        or (e.type is EventType.CSAT and e.data.get("milestone") is not None)
        or _status_of(e) is not None
    }
    if not checked:
        return
    columns = _columns(session, {e.record for e in checked.values()}, known)
    evaluator = RecordEvaluator(session)
    overridden: dict[str, Process] = {}
    for index, event in checked.items():
        row = columns.get(event.record, {})
        process = evaluator.process(row.get("process_key"), row.get("process_version"))
        if process is None:
            continue  # no clock runs yet; an entitlement added later may give it one
        if event.type is EventType.CSAT:  # rating a milestone the process has
            problem = unknown_milestone(process, event)
            if problem is not None:
                results[index].reject(problem)
            continue
        if event.type is EventType.OVERRIDE:
            problem = unknown_milestone(process, event)
            if problem is not None:
                results[index].reject(problem)
            else:
                overridden[event.record] = process
            continue
        status = _status_of(event)
        if not process.statuses or status in process.statuses:
            continue
        where = "data.value" if event.type is EventType.FIELD else "data.status"
        message = (
            f"{where}: {status!r} is not a status of process {process.key}; it has "
            f"{', '.join(process.statuses)}"
        )
        if process.unknown_statuses == "flag":
            results[index].warnings.append(message)
        else:
            results[index].reject(message)
    _refuse_overrides(
        session, evaluator, results, accepted, processes=overridden, columns=columns, now=now
    )


def _refuse_overrides(
    session: Session,
    evaluator: RecordEvaluator,
    results: list[EventResult],
    accepted: dict[int, Event],
    *,
    processes: Mapping[str, Process],
    columns: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> None:
    """Reject the overrides the evaluator would refuse (``core.overrides.refusal``), each
    replayed with the record's stored events and the rest of the batch."""
    if not processes:
        return
    stored = EventRepository(session).timelines(set(processes))
    accounts = AccountRepository(session).get_many(
        {a for r in processes if (a := columns[r].get("account_id")) is not None}
    )
    facts_of = AccountFacts(accounts)
    for record_id, process in processes.items():
        batch = [(i, e) for i, e in accepted.items() if e.record == record_id]
        timeline = [*(to_event(s) for s in stored[record_id]), *(e for _, e in batch)]
        account = facts_of(columns[record_id].get("account_id"))
        # a record this batch creates counts on the versions in force
        versions = columns[record_id].get(
            "calendar_versions", evaluator.calendars.held_at_creation()
        )
        refused = evaluator.refusals(process, timeline, now, account, versions)
        for index, event in batch:
            if event.id in refused and results[index].outcome is Outcome.ACCEPTED:
                results[index].reject(f"data: {refused[event.id]}")


def _status_of(event: Event) -> str | None:
    """The status an event sets explicitly, if any."""
    if event.type is EventType.FIELD:
        value = event.data.get("value") if event.data.get("field") == "status" else None
    else:
        value = event.data.get("status") if event.type in _SETS_STATUS else None
    return value if isinstance(value, str) else None


_SETS_STATUS = frozenset(
    {EventType.CREATED, EventType.STATUS, EventType.CLOSED, EventType.REOPENED}
)


def _drop_refused_records(
    session: Session,
    results: list[EventResult],
    accepted: dict[int, Event],
    new_records: Mapping[str, Event],
) -> None:
    """Remove the records just inserted whose created event was refused since, and refuse the
    batch's other events on them."""
    refused = {
        e.record
        for i, e in accepted.items()
        if e.type is EventType.CREATED
        and e.record in new_records
        and results[i].outcome is Outcome.REJECTED
    }
    if not refused:
        return
    RecordRepository(session).delete(refused)
    for index, event in accepted.items():
        if event.record in refused and results[index].outcome is Outcome.ACCEPTED:
            results[index].reject(
                f"record {event.record!r} was not created: its created event was refused"
            )


def _create_records(
    session: Session, created: dict[str, Event], *, now: datetime
) -> dict[str, dict[str, Any]] | None:
    """Insert the records ``created`` makes and return their columns, as ``RecordRepository``
    reads them (instants in UTC, unset columns None); None, with none of them left inserted,
    when a concurrent batch has inserted one of them first."""
    if not created:
        return {}
    chooser = ProcessChooser(session)
    projected = {record_id: record_fields([event]) for record_id, event in created.items()}
    account_ids = {f.account for f in projected.values() if f.account is not None}
    accounts = AccountRepository(session).get_many(account_ids)
    on = now.date()
    entitlements = active_entitlements(session, account_ids, on)
    calendars = CalendarCache(session).held_at_creation()  # the versions it will count on
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
                "calendar_versions": calendars,
                "created_at": event.at.astimezone(UTC),
                "updated_at": event.at.astimezone(UTC),
                "received_at": now.astimezone(UTC),
                "event_count": 0,
            }
        )
    repo = RecordRepository(session)
    inserted = repo.insert_new(rows)
    if len(inserted) == len(rows):
        unset = dict.fromkeys(RECORD_COLUMNS)
        return {row["id"]: {**unset, **row} for row in rows}
    repo.delete(inserted)
    return None


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


def to_event(stored: StoredEvent) -> Event:
    """Rebuild an already validated event without validating it again."""
    return stored_event(
        stored.event_id, stored.record_id, stored.type, stored.occurred_at, stored.data
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
    born: Mapping[str, list[StoredEvent]] | None = None,
    ledger: Iterable[TimerId] | None = None,
    evaluated: dict[str, list[Milestone]] | None = None,
) -> Refreshed:
    """Recompute the records' columns and milestone rows from their whole timelines; return
    what was read and written (the worker fires from it).

    ``known`` holds the columns of records the caller has just read (the others are read);
    ``born`` the whole timelines of records created in this transaction, which have no
    milestone rows yet: nothing of them is read back, and their rows are copied in;
    ``ledger`` the records' fired timers when the caller has read them; ``evaluated``, when
    given, receives each record's milestones as evaluated (a policy migration tallies them).
    """
    customer = account_clock.customer_records(record_ids)
    if customer:  # customer milestones run on the engine from their own rows, not a timeline
        account_clock.refresh(session, customer, now=now)
        record_ids = record_ids - customer
    records = RecordRepository(session)
    current = _columns(session, record_ids, known or {})
    given = born or {}
    timelines = {**EventRepository(session).timelines(record_ids - given.keys()), **given}
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
    for timer in FiringRepository(session).fired(record_ids) if ledger is None else ledger:
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
        versions = row["calendar_versions"]
        milestones = evaluator.evaluate(
            process, timeline, now, account_facts_of(row["account_id"]), versions
        )
        if evaluated is not None:
            evaluated[record_id] = milestones
        wanted.extend(
            wanted_rows(
                record_id,
                fields,
                milestones,
                now=now,
                fired=fired.get(record_id, ()),
                versions=versions or {},
            )
        )
    records.update_many(changed)
    rows = MilestoneRepository(session)
    written = rows.replace(
        record_ids - given.keys(), [w for w in wanted if w.record_id not in given]
    )
    written.extend(rows.insert_new([w for w in wanted if w.record_id in given]))
    refreshed = Refreshed(stored, timelines, written, accounts)
    # the worker's next timers and wake-up, from what is in hand
    after_refresh(session, record_ids, now=now, refreshed=refreshed)
    session.expire_all()  # ORM copies of these records (if any) must not outlive the update
    return refreshed
