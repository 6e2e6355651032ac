"""Queries over calendars, process versions and entitlement rule sets."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    Text,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from caseclock.core.policy_preview import StoredCycle
from caseclock.store.bulk import among, is_postgres
from caseclock.store.models import (
    AccountRow,
    CalendarRow,
    CalendarVersionRow,
    EntitlementRuleSetRow,
    EventRow,
    MilestoneRow,
    PolicyMigrationRow,
    ProcessRow,
    RecordRow,
)
from caseclock.store.repositories.records import ISO_UTC, UTC_ZONE, utc_instant

MILESTONES = cast(Table, MilestoneRow.__table__)
EVENTS = cast(Table, EventRow.__table__)


class CalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> CalendarRow | None:
        return self.session.get(CalendarRow, name)

    def list(self) -> Sequence[CalendarRow]:
        return self.session.scalars(select(CalendarRow).order_by(CalendarRow.name)).all()

    def add(self, row: CalendarRow) -> CalendarRow:
        self.session.add(row)
        self.session.flush()
        return row

    def add_version(self, row: CalendarVersionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def versions(self) -> dict[str, int]:
        """Each calendar's newest version, by name."""
        rows = self.session.execute(select(CalendarRow.name, CalendarRow.version)).all()
        return {str(row.name): int(row.version) for row in rows}

    def every_version(self) -> dict[tuple[str, int], Any]:
        """The document of every version of every calendar, by (name, version)."""
        rows = self.session.execute(
            select(CalendarVersionRow.name, CalendarVersionRow.version, CalendarVersionRow.document)
        ).all()
        return {(n, v): d for n, v, d in rows}

    def version_documents(self, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Any]:
        """The documents of calendar versions, by (name, version)."""
        wanted = set(pairs)
        if not wanted:
            return {}
        names = {name for name, _ in wanted}
        rows = self.session.execute(
            select(
                CalendarVersionRow.name, CalendarVersionRow.version, CalendarVersionRow.document
            ).where(CalendarVersionRow.name.in_(sorted(names)))
        ).all()
        return {(n, v): d for n, v, d in rows if (n, v) in wanted}


class ProcessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, version: int) -> ProcessRow | None:
        return self.session.scalars(
            select(ProcessRow).where(ProcessRow.key == key, ProcessRow.version == version)
        ).one_or_none()

    def latest(self, key: str) -> ProcessRow | None:
        return self.session.scalars(
            select(ProcessRow)
            .where(ProcessRow.key == key)
            .order_by(ProcessRow.version.desc())
            .limit(1)
        ).one_or_none()

    def list_latest(self) -> Sequence[ProcessRow]:
        newest = (
            select(ProcessRow.key, func.max(ProcessRow.version).label("version"))
            .group_by(ProcessRow.key)
            .subquery()
        )
        return self.session.scalars(
            select(ProcessRow)
            .join(
                newest,
                (ProcessRow.key == newest.c.key) & (ProcessRow.version == newest.c.version),
            )
            .order_by(ProcessRow.key)
        ).all()

    def versions(self, key: str) -> Sequence[int]:
        return self.session.scalars(
            select(ProcessRow.version).where(ProcessRow.key == key).order_by(ProcessRow.version)
        ).all()

    def get_many(self, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], ProcessRow]:
        wanted = set(pairs)
        if not wanted:
            return {}
        keys = {key for key, _ in wanted}
        rows = self.session.scalars(select(ProcessRow).where(ProcessRow.key.in_(keys))).all()
        return {(r.key, r.version): r for r in rows if (r.key, r.version) in wanted}

    def add(self, row: ProcessRow) -> ProcessRow:
        self.session.add(row)
        self.session.flush()
        return row


class RuleSetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self) -> EntitlementRuleSetRow | None:
        return self.session.scalars(
            select(EntitlementRuleSetRow).order_by(EntitlementRuleSetRow.id.desc()).limit(1)
        ).one_or_none()

    def add(self, row: EntitlementRuleSetRow) -> EntitlementRuleSetRow:
        self.session.add(row)
        self.session.flush()
        return row


def known_types_and_tiers(session: Session) -> tuple[list[str], list[str]]:
    """The record types the installation holds, and the tiers of its accounts and records."""
    types = session.scalars(select(RecordRow.type).distinct()).all()
    tiers = {
        *session.scalars(select(AccountRow.tier).distinct()).all(),
        *session.scalars(select(RecordRow.tier).distinct()).all(),
    }
    return sorted(types), sorted(t for t in tiers if t)


# An event as a preview reads it: id, type, when it occurred (aware UTC), data.
EventValues = tuple[str, str, datetime, dict[str, Any]]


class PolicyChangeRepository:
    """The records a policy preview or migration walks, page by page in id order, and what it
    reads of them (their milestone rows, their events), one query per page each."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def stored_cycles(self, record_ids: Collection[str]) -> dict[str, list[StoredCycle]]:
        """Each record's milestone rows, lean (the values a preview compares)."""
        found: dict[str, list[StoredCycle]] = {record_id: [] for record_id in record_ids}
        if not record_ids:
            return found
        m = MILESTONES.c
        rows = self.session.execute(
            select(
                m.record_id,
                m.key,
                m.name,
                m.cycle,
                m.state,
                m.calendar,
                m.started_at,
                m.deadline,
                m.completed_at,
                m.late,
                m.violated_at,
                m.basis,
            ).where(among(self.session, m.record_id, record_ids))
        ).all()
        for row in rows:
            found[row[0]].append(cast(StoredCycle, tuple(row[1:])))
        return found

    def kept_cycles(
        self, record_id: str
    ) -> dict[tuple[str, int], tuple[int, str | None, int | None]]:
        """The record's cycles a migration kept: by (key, cycle), the process version each ran
        under, its calendar and the calendar's version."""
        m = MILESTONES.c
        rows = self.session.execute(
            select(m.key, m.cycle, m.kept_version, m.calendar, m.calendar_version).where(
                m.record_id == record_id, m.kept_version.is_not(None)
            )
        ).all()
        return {
            (key, cycle): (kept, calendar, version) for key, cycle, kept, calendar, version in rows
        }

    def events(self, record_ids: Collection[str]) -> dict[str, list[EventValues]]:
        """Each record's events, in occurrence then arrival order. On PostgreSQL one JSON
        document per record, decoded at once: decoding each event's JSONB column on its own
        costs several times the query."""
        found: dict[str, list[EventValues]] = {record_id: [] for record_id in record_ids}
        if not record_ids:
            return found
        e = EVENTS.c
        if is_postgres(self.session):
            at = func.to_char(func.timezone(UTC_ZONE, e.occurred_at), ISO_UTC)
            each = func.json_build_array(e.event_id, e.type, at, e.data)
            documents = self.session.execute(
                select(
                    e.record_id,
                    sa_cast(func.json_agg(aggregate_order_by(each, e.occurred_at, e.seq)), Text),
                )
                .where(among(self.session, e.record_id, record_ids))
                .group_by(e.record_id)
            ).all()
            for record_id, document in documents:
                found[record_id] = [
                    (event_id, kind, utc_instant(at), data)
                    for event_id, kind, at, data in json.loads(document)
                ]
            return found
        rows = self.session.execute(
            select(e.record_id, e.event_id, e.type, e.occurred_at, e.data)
            .where(among(self.session, e.record_id, record_ids))
            .order_by(e.record_id, e.occurred_at, e.seq)
        ).all()
        for record_id, event_id, kind, at, data in rows:
            found[record_id].append((event_id, kind, at, data))
        return found

    def _open(self) -> Select[str]:
        return select(RecordRow.id).where(
            RecordRow.is_closed.is_(False), RecordRow.process_key.is_not(None)
        )

    def open_ids(
        self, after: str | None, limit: int, keys: Collection[str] | None = None
    ) -> Sequence[str]:
        """Open records that run a process (of ``keys``, when given), after ``after``."""
        query = self._open()
        if keys is not None:
            query = query.where(RecordRow.process_key.in_(sorted(keys)))
        if after is not None:
            query = query.where(RecordRow.id > after)
        return self.session.scalars(query.order_by(RecordRow.id).limit(limit)).all()

    def count_open(self, after: str | None = None, keys: Collection[str] | None = None) -> int:
        query = self._open()
        if keys is not None:
            query = query.where(RecordRow.process_key.in_(sorted(keys)))
        if after is not None:
            query = query.where(RecordRow.id > after)
        return self.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def unmoved(self) -> dict[str, int]:
        """A preview's counts when no record moves: the open records that run a process,
        and their open cycles with a deadline, all unchanged."""
        dated = (
            select(func.count())
            .select_from(MilestoneRow)
            .join(RecordRow, RecordRow.id == MilestoneRow.record_id)
            .where(
                RecordRow.is_closed.is_(False),
                RecordRow.process_key.is_not(None),
                MilestoneRow.is_open.is_(True),
                MilestoneRow.deadline.is_not(None),
                MilestoneRow.state.in_(["running", "paused", "violated"]),
            )
        )
        return {
            "records": self.count_open(),
            "records_changed": 0,
            "unchanged": self.session.scalar(dated) or 0,
        }

    def _period(self, since: datetime, until: datetime) -> Select[str]:
        """Closed records with a cycle a report of ``[since, until)`` counts."""
        ended_in = and_(MilestoneRow.completed_at >= since, MilestoneRow.completed_at < until)
        due_in = and_(
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.deadline >= since,
            MilestoneRow.deadline < until,
        )
        breached_in = and_(MilestoneRow.violated_at >= since, MilestoneRow.violated_at < until)
        return select(RecordRow.id).where(
            RecordRow.is_closed.is_(True),
            RecordRow.process_key.is_not(None),
            exists().where(
                MilestoneRow.record_id == RecordRow.id, or_(ended_in, due_in, breached_in)
            ),
        )

    def period_ids(
        self, since: datetime, until: datetime, after: str | None, limit: int
    ) -> Sequence[str]:
        query = self._period(since, until)
        if after is not None:
            query = query.where(RecordRow.id > after)
        return self.session.scalars(query.order_by(RecordRow.id).limit(limit)).all()

    def count_period(self, since: datetime, until: datetime) -> int:
        subquery = self._period(since, until).subquery()
        return self.session.scalar(select(func.count()).select_from(subquery)) or 0

    def keep_decided(self, record_ids: Sequence[str], version: int, *, before: datetime) -> None:
        """Mark the records' cycles completed before ``before`` as kept under ``version``."""
        self.session.execute(
            update(MilestoneRow)
            .where(
                among(self.session, MILESTONES.c.record_id, record_ids),
                MilestoneRow.completed_at.is_not(None),
                MilestoneRow.completed_at <= before,
                MilestoneRow.kept_version.is_(None),
            )
            .values(kept_version=version),
            execution_options={"synchronize_session": False},
        )


class MigrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: PolicyMigrationRow) -> PolicyMigrationRow:
        self.session.add(row)
        self.session.flush()
        return row

    def unfinished(self) -> PolicyMigrationRow | None:
        query = select(PolicyMigrationRow).where(PolicyMigrationRow.finished_at.is_(None))
        return self.session.scalars(query.order_by(PolicyMigrationRow.id).limit(1)).one_or_none()

    def get(self, migration_id: int) -> PolicyMigrationRow | None:
        return self.session.get(PolicyMigrationRow, migration_id)

    def newest(self) -> PolicyMigrationRow | None:
        query = select(PolicyMigrationRow).order_by(PolicyMigrationRow.id.desc()).limit(1)
        return self.session.scalars(query).one_or_none()
