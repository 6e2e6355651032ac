"""The worker's queries over milestone rows and the firing ledger: claim, reconcile, record.

A claim locks *records* (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), chosen among those whose
milestone rows or escalation timers are due: every write about one record then comes from the
one worker holding it, so workers never wait on each other. SQLite has one worker and one
writer at a time, so the same query runs there without the lock clause.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, or_, select, text
from sqlalchemy.orm import Session

from caseclock.store.bulk import among, insert_rows, is_postgres, update_rows
from caseclock.store.models import (
    EscalationTimerRow,
    FiringHoldRow,
    FiringRow,
    MilestoneRow,
    RecordRow,
)

MILESTONES = cast(Table, MilestoneRow.__table__)
RECORDS = cast(Table, RecordRow.__table__)
ESCALATIONS = cast(Table, EscalationTimerRow.__table__)
FIRINGS = cast(Table, FiringRow.__table__)
HOLDS = cast(Table, FiringHoldRow.__table__)
CANDIDATES_PER_CLAIM = 4  # look this many times further than the batch, past others' locks

TimerId = tuple[str, str, int, str, int]  # record, source, cycle, kind, sequence


class TimerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_records(
        self, now: datetime, limit: int, *, only: Collection[str] | None = None
    ) -> list[str]:
        """Lock up to ``limit`` records with a milestone timer or escalation due at ``now``
        (among ``only`` when given), leaving out those held or waiting to be retried."""
        window = limit * CANDIDATES_PER_CLAIM
        due_milestones = (
            select(MILESTONES.c.record_id)
            .where(MILESTONES.c.next_timer_at <= now)
            .order_by(MILESTONES.c.next_timer_at)
            .limit(window)
        )
        due_escalations = (
            select(ESCALATIONS.c.record_id)
            .where(ESCALATIONS.c.due_at <= now)
            .order_by(ESCALATIONS.c.due_at)
            .limit(window)
        )
        waiting = select(HOLDS.c.record_id).where(
            or_(HOLDS.c.held_at.is_not(None), HOLDS.c.retry_at > now)
        )
        query = (
            select(RECORDS.c.id)
            .where(
                or_(
                    RECORDS.c.id.in_(due_milestones.scalar_subquery()),
                    RECORDS.c.id.in_(due_escalations.scalar_subquery()),
                ),
                RECORDS.c.id.not_in(waiting.scalar_subquery()),
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if only is not None:
            query = query.where(among(self.session, RECORDS.c.id, only))
        return list(self.session.scalars(query).all())

    def next_due(self) -> datetime | None:
        """The earliest pending milestone timer or escalation, whoever holds it, of a record
        without a firing hold; or the earliest retry of a record with one."""
        holds = select(HOLDS.c.record_id).scalar_subquery()
        first = (
            select(func.min(MILESTONES.c.next_timer_at))
            .where(MILESTONES.c.record_id.not_in(holds))
            .scalar_subquery()
        )
        escalation = (
            select(func.min(ESCALATIONS.c.due_at))
            .where(ESCALATIONS.c.record_id.not_in(holds))
            .scalar_subquery()
        )
        retry = select(func.min(HOLDS.c.retry_at)).scalar_subquery()
        row = self.session.execute(select(first, escalation, retry)).one()  # one round trip
        found = [at for at in row if at is not None]
        return min(found) if found else None

    def timer_rows(
        self,
        record_ids: Iterable[str],
        *,
        due_by: datetime | None = None,
        also: Collection[int] = (),
    ) -> Sequence[Mapping[str, Any]]:
        """``id``, ``record_id``, ``key``, ``cycle``, ``timers``, ``next_timer_at``,
        ``next_timer_kind`` per row; with ``due_by``, only the rows with a timer due by then
        (``next_timer_at`` is a row's earliest unfired timer) and the rows ``also`` names."""
        wanted = set(record_ids)
        if not wanted:
            return []
        query = select(
            MILESTONES.c.id,
            MILESTONES.c.record_id,
            MILESTONES.c.key,
            MILESTONES.c.cycle,
            MILESTONES.c.timers,
            MILESTONES.c.next_timer_at,
            MILESTONES.c.next_timer_kind,
        ).where(among(self.session, MILESTONES.c.record_id, wanted))
        if due_by is not None:
            due = MILESTONES.c.next_timer_at <= due_by
            query = query.where(
                or_(due, among(self.session, MILESTONES.c.id, also)) if also else due
            )
        return cast(Sequence[Mapping[str, Any]], self.session.execute(query).mappings().all())

    def set_next(self, changes: Sequence[tuple[int, datetime | None, str | None]]) -> None:
        """Set ``(row id, next_timer_at, next_timer_kind)`` in one statement."""
        update_rows(
            self.session,
            MILESTONES,
            [{"id": i, "next_timer_at": at, "next_timer_kind": kind} for i, at, kind in changes],
        )


class FiringRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def fired(self, record_ids: Iterable[str]) -> set[TimerId]:
        """The ledger keys of every timer already fired (or skipped) on these records."""
        wanted = set(record_ids)
        if not wanted:
            return set()
        rows = self.session.execute(
            select(
                FIRINGS.c.record_id,
                FIRINGS.c.source,
                FIRINGS.c.cycle,
                FIRINGS.c.kind,
                FIRINGS.c.sequence,
            ).where(among(self.session, FIRINGS.c.record_id, wanted))
        ).all()
        return {(r.record_id, r.source, r.cycle, r.kind, r.sequence) for r in rows}

    def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert ledger rows; return their ids in the order given. On PostgreSQL the ids are
        taken from the sequence first and the rows go in one statement with one parameter
        (``insert_rows``), where an insert returning ids renders a parameter per value."""
        if not rows:
            return []
        if not is_postgres(self.session):
            statement = insert(FIRINGS).returning(FIRINGS.c.id, sort_by_parameter_order=True)
            return list(self.session.scalars(statement, list(rows)).all())
        ids = list(
            self.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('firings', 'id'))"
                    " FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            )
        )
        insert_rows(
            self.session, FIRINGS, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)]
        )
        return ids

    def for_record(self, record_id: str) -> Sequence[FiringRow]:
        return self.session.scalars(
            select(FiringRow).where(FiringRow.record_id == record_id).order_by(FiringRow.id)
        ).all()


class FiringHoldRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, record_id: str) -> FiringHoldRow | None:
        return self.session.get(FiringHoldRow, record_id)

    def add(self, row: FiringHoldRow) -> FiringHoldRow:
        self.session.add(row)
        self.session.flush()
        return row

    def all(self) -> Sequence[FiringHoldRow]:
        return self.session.scalars(
            select(FiringHoldRow).order_by(FiringHoldRow.failed_at.desc())
        ).all()

    def clear(self, record_ids: Collection[str]) -> None:
        """Forget the holds of these records (they fired)."""
        if record_ids:
            self.session.execute(
                delete(HOLDS).where(among(self.session, HOLDS.c.record_id, record_ids))
            )

    def remove(self, row: FiringHoldRow) -> None:
        self.session.delete(row)
        self.session.flush()
