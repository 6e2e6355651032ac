"""Queries over calendars, process versions and entitlement rule sets."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from caseclock.store.bulk import among
from caseclock.store.models import (
    AccountRow,
    CalendarPinRow,
    CalendarRow,
    CalendarVersionRow,
    EntitlementRuleSetRow,
    MilestoneRow,
    PolicyMigrationRow,
    ProcessRow,
    RecordRow,
)

MILESTONES = cast(Table, MilestoneRow.__table__)
PINS = cast(Table, CalendarPinRow.__table__)


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


class CalendarPinRepository:
    """Which open records keep an earlier version of a calendar."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def pin_open_records(self, calendar: str, version: int) -> None:
        """Pin every open record that runs a process, and keeps no version of ``calendar``
        yet, to ``version``."""
        pinned = exists().where(
            CalendarPinRow.record_id == RecordRow.id, CalendarPinRow.calendar == calendar
        )
        chosen = select(RecordRow.id, literal(calendar), literal(version)).where(
            RecordRow.is_closed.is_(False), RecordRow.process_key.is_not(None), ~pinned
        )
        self.session.execute(
            insert(CalendarPinRow).from_select(["record_id", "calendar", "version"], chosen)
        )

    def pins(self, record_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        """Each pinned record's calendars and versions (records without pins are left out)."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(CalendarPinRow.record_id, CalendarPinRow.calendar, CalendarPinRow.version).where(
                among(self.session, PINS.c.record_id, wanted)
            )
        ).all()
        found: dict[str, dict[str, int]] = {}
        for record_id, calendar, version in rows:
            found.setdefault(record_id, {})[calendar] = version
        return found

    def unpin(self, record_ids: Iterable[str], calendars: Collection[str]) -> None:
        wanted = set(record_ids)
        if wanted and calendars:
            self.session.execute(
                delete(CalendarPinRow).where(
                    among(self.session, PINS.c.record_id, wanted),
                    CalendarPinRow.calendar.in_(sorted(calendars)),
                )
            )


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


class PolicyChangeRepository:
    """The records a policy preview or migration walks, page by page in id order."""

    def __init__(self, session: Session) -> None:
        self.session = session

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
