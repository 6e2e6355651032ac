"""Queries over records and their event timelines, tasks and notes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    Text,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from caseclock.core.account_clock import RECORD_TYPE
from caseclock.store.bulk import among, copy_rows, insert_rows, is_postgres, update_rows
from caseclock.store.models import AccountRow, EventRow, NoteRow, RecordRow, TaskRow

RECORDS = cast(Table, RecordRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
RECORD_COLUMNS = tuple(RECORDS.c.keys())  # what ``columns`` and ``lock`` give of a record


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """What ``GET /records`` may filter on; ``None`` means no filter."""

    status: str | None = None
    owner: str | None = None
    team: str | None = None
    account: str | None = None
    type: str | None = None
    closed: bool | None = None
    entitlement_missing: bool = False
    priority: str | None = None
    tier: str | None = None
    text: str | None = None  # words in the id, subject, account (id or name), owner or status


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as read back for evaluation: plain values, no ORM identity."""

    seq: int
    record_id: str
    event_id: str
    type: str
    occurred_at: datetime
    received_at: datetime
    data: dict[str, Any]
    source: str  # where it came from, and who sent it (``core.provenance``)
    actor: str | None


def _matching(text: str) -> ColumnElement[bool]:
    """Records with ``text`` (case-insensitive, as a substring) in their id, subject, account id
    or name, owner or status."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    named = select(AccountRow.id).where(AccountRow.name.ilike(pattern, escape="\\"))
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (
                RecordRow.id,
                RecordRow.fields["subject"].as_string(),
                RecordRow.account_id,
                RecordRow.owner,
                RecordRow.status,
            )
        ),
        RecordRow.account_id.in_(named),
    )


class RecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, record_id: str) -> RecordRow | None:
        return self.session.get(RecordRow, record_id)

    def list(
        self,
        where: RecordFilter,
        *,
        scope: frozenset[str] | None,
        limit: int,
        offset: int,
    ) -> Sequence[RecordRow]:
        query = select(RecordRow)
        conditions = {
            RecordRow.status: where.status,
            RecordRow.owner: where.owner,
            RecordRow.team: where.team,
            RecordRow.account_id: where.account,
            RecordRow.type: where.type,
            RecordRow.is_closed: where.closed,
            RecordRow.priority: where.priority,
            RecordRow.tier: where.tier,
        }
        for column, value in conditions.items():
            if value is not None:
                query = query.where(column == value)
        if where.entitlement_missing:  # customer milestones have no process, and need none
            query = query.where(RecordRow.process_key.is_(None), RecordRow.type != RECORD_TYPE)
        if where.type is None:  # an account's customer milestones are listed on its page
            query = query.where(RecordRow.type != RECORD_TYPE)
        if where.text:
            query = query.where(_matching(where.text))
        if scope is not None:
            query = query.where(RecordRow.account_id.in_(scope))
        query = query.order_by(RecordRow.updated_at.desc(), RecordRow.id).limit(limit)
        return self.session.scalars(query.offset(offset)).all()

    def columns(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Current column values of records, without loading ORM objects."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(RECORDS).where(among(self.session, RECORDS.c.id, wanted))
        ).mappings()
        return {row["id"]: dict(row) for row in rows.all()}  # all(): one fetch, not one per row

    def update_many(self, values: Sequence[Mapping[str, Any]]) -> None:
        """Update records by id in one statement; every mapping has the same keys."""
        update_rows(self.session, RECORDS, values)

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(RecordRow)) or 0

    def insert_new(self, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """Insert records; return the ids inserted. One created meanwhile by a concurrent
        request is left as it is (and its id is not returned).

        Rows go in id order, as ``lock`` takes its locks: two batches creating the same new
        records, listed in different orders, then wait for each other instead of deadlocking
        (each insert waits on the other's uncommitted row with the same id)."""
        ordered = sorted(rows, key=lambda row: str(row["id"]))
        return set(
            insert_rows(self.session, RECORDS, ordered, ignore_conflicts_on=("id",), returning="id")
        )

    def delete(self, ids: Iterable[str]) -> None:
        """Delete records (with their events and milestones)."""
        wanted = set(ids)
        if wanted:
            self.session.execute(delete(RECORDS).where(among(self.session, RECORDS.c.id, wanted)))

    def lock(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Lock the existing records among ``ids`` for this transaction (PostgreSQL; SQLite
        has one writer) and return their columns, as ``columns`` does.

        Concurrent batches touching the same record then evaluate it one after the other, each
        seeing the other's committed events. Locks are taken in id order: no deadlock.
        """
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = (
            select(RECORDS).where(among(self.session, RECORDS.c.id, wanted)).order_by(RECORDS.c.id)
        )
        if is_postgres(self.session):
            query = query.with_for_update()
        return {row["id"]: dict(row) for row in self.session.execute(query).mappings().all()}


ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS.US'  # to_char of an instant at UTC, for utc_instant
UTC_ZONE: ColumnElement[str] = literal_column("'UTC'")


def utc_instant(text: str) -> datetime:
    """An instant written by ``to_char(... AT TIME ZONE 'UTC', ISO_UTC)``, aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing_keys(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the ``(record_id, event_id)`` pairs are already stored."""
        wanted = set(keys)
        if not wanted:
            return set()
        rows = self.session.execute(
            select(EVENTS.c.record_id, EVENTS.c.event_id).where(*self._pairs(wanted))
        ).all()
        return {(r.record_id, r.event_id) for r in rows} & wanted

    def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert events given as column mappings, in one statement.

        An event stored meanwhile by a concurrent request (a retried delivery) is skipped,
        not an error: the unique (record, event id) key makes the insert idempotent.
        """
        insert_rows(self.session, EVENTS, rows, ignore_conflicts_on=("record_id", "event_id"))

    def copy_new(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert the events of records created in this transaction (none can be stored
        already), by ``COPY`` on PostgreSQL: the bulk path of history imports."""
        copy_rows(self.session, EVENTS, rows)

    def seqs(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The ``seq`` of stored events, by ``(record_id, event_id)``."""
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(EVENTS.c.record_id, EVENTS.c.event_id, EVENTS.c.seq).where(*self._pairs(wanted))
        ).all()
        return {
            (r.record_id, r.event_id): r.seq for r in rows if (r.record_id, r.event_id) in wanted
        }

    def _pairs(self, keys: set[tuple[str, str]]) -> tuple[ColumnElement[bool], ...]:
        """A condition that holds for the ``(record_id, event_id)`` pairs (and a few more,
        which callers drop): by record first, so the unique (record, event id) index serves
        it, however many events the store holds."""
        return (
            among(self.session, EVENTS.c.record_id, {record_id for record_id, _ in keys}),
            among(self.session, EVENTS.c.event_id, {event_id for _, event_id in keys}),
        )

    def timelines(self, record_ids: Iterable[str]) -> dict[str, list[StoredEvent]]:
        """Every stored event of each record, ordered by occurrence then arrival."""
        wanted = set(record_ids)
        found: dict[str, list[StoredEvent]] = {record_id: [] for record_id in wanted}
        if not wanted:
            return found
        columns = EVENTS.c
        if is_postgres(self.session):
            return self._timelines_as_json(wanted, found)
        rows = self.session.connection().execute(  # Core, not the ORM: plain tuples, faster
            select(
                columns.seq,
                columns.record_id,
                columns.event_id,
                columns.type,
                columns.occurred_at,
                columns.received_at,
                columns.data,
                columns.source,
                columns.actor,
            )
            .where(among(self.session, columns.record_id, wanted))
            .order_by(columns.record_id, columns.occurred_at, columns.seq)
        )
        for row in rows.all():  # one fetch of every row: iterating fetches them one by one
            found[row[1]].append(StoredEvent(*row))
        return found

    def _timelines_as_json(
        self, wanted: set[str], found: dict[str, list[StoredEvent]]
    ) -> dict[str, list[StoredEvent]]:
        """``timelines`` on PostgreSQL: one JSON document per record, decoded at once.
        Decoding each event's JSONB ``data`` on its own (and each column through its type)
        costs several times the query; the instants come back as ISO text in UTC."""
        c = EVENTS.c
        each = func.json_build_array(
            c.seq,
            c.event_id,
            c.type,
            func.to_char(func.timezone(UTC_ZONE, c.occurred_at), ISO_UTC),
            func.to_char(func.timezone(UTC_ZONE, c.received_at), ISO_UTC),
            c.data,
            c.source,
            c.actor,
        )
        ordered = func.json_agg(aggregate_order_by(each, c.occurred_at, c.seq))
        documents = self.session.connection().execute(
            select(c.record_id, sa_cast(ordered, Text))
            .where(among(self.session, c.record_id, wanted))
            .group_by(c.record_id)
        )
        for record_id, document in documents.all():
            found[record_id] = [
                StoredEvent(
                    seq,
                    record_id,
                    event_id,
                    kind,
                    utc_instant(occurred),
                    utc_instant(received),
                    data,
                    source,
                    actor,
                )
                for seq, event_id, kind, occurred, received, data, source, actor in (
                    json.loads(document)
                )
            ]
        return found

    def for_record(
        self, record_id: str, *, limit: int, offset: int = 0, newest_first: bool = False
    ) -> Sequence[EventRow]:
        order = (
            (EventRow.occurred_at.desc(), EventRow.seq.desc())
            if newest_first
            else (EventRow.occurred_at, EventRow.seq)
        )
        return self.session.scalars(
            select(EventRow)
            .where(EventRow.record_id == record_id)
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        ).all()


class WorkItemRepository:
    """Tasks and notes, materialized from the events that create them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_tasks(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(TaskRow), list(rows))

    def add_notes(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(NoteRow), list(rows))

    def tasks_for(self, record_id: str) -> Sequence[TaskRow]:
        return self.session.scalars(
            select(TaskRow).where(TaskRow.record_id == record_id).order_by(TaskRow.id)
        ).all()

    def notes_for(self, record_id: str) -> Sequence[NoteRow]:
        return self.session.scalars(
            select(NoteRow).where(NoteRow.record_id == record_id).order_by(NoteRow.id)
        ).all()
