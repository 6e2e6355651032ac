"""Queries over materialized milestone rows: replace a record's rows, and the at-risk queue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from caseclock.store.bulk import among, insert_rows, update_rows
from caseclock.store.models import MilestoneRow

IDENTITY = frozenset({"record_id", "key", "cycle"})
MILESTONES = cast(Table, MilestoneRow.__table__)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A row as evaluation wants it: its identity, a digest of the values that matter (the
    same values, the same digest), and its column values, built only if it is written."""

    record_id: str
    key: str
    cycle: int
    digest: str
    values: Callable[[], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored row as ``replace`` compares it: its id and digest."""

    id: int
    digest: str


def _changeable(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's values but its identity (record, key, cycle), which an update never changes:
    setting them again would cost a foreign-key check per row."""
    return {k: v for k, v in row.items() if k not in IDENTITY}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the at-risk queue may filter on; ``None`` means no filter."""

    states: frozenset[str] | None = None
    open_only: bool = False
    owner: str | None = None
    team: str | None = None
    account: str | None = None
    milestone: str | None = None


class MilestoneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_records(self, record_ids: Iterable[str]) -> dict[str, list[MilestoneRow]]:
        wanted = set(record_ids)
        found: dict[str, list[MilestoneRow]] = {record_id: [] for record_id in wanted}
        if not wanted:
            return found
        rows = self.session.scalars(
            select(MilestoneRow)
            .where(among(self.session, MILESTONES.c.record_id, wanted))
            .order_by(MilestoneRow.record_id, MilestoneRow.key, MilestoneRow.cycle)
        ).all()
        for row in rows:
            found[row.record_id].append(row)
        return found

    def existing_digests(self, record_ids: Iterable[str]) -> dict[tuple[str, str, int], Stored]:
        """What ``replace`` needs of the records' rows, keyed by (record, key, cycle)."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(
                MILESTONES.c.id,
                MILESTONES.c.record_id,
                MILESTONES.c.key,
                MILESTONES.c.cycle,
                MILESTONES.c.digest,
            ).where(among(self.session, MILESTONES.c.record_id, wanted))
        ).all()
        return {
            (record_id, key, cycle): Stored(row_id, found)
            for row_id, record_id, key, cycle, found in rows
        }

    def replace(
        self,
        record_ids: Iterable[str],
        wanted: Sequence[Wanted],
    ) -> list[Mapping[str, Any]]:
        """Make the records' rows exactly ``wanted``: insert new, update changed, delete gone.

        A row whose stored digest is the wanted one is left alone, so re-evaluating a record
        after a comment rewrites only the milestones the comment changed, and finding out
        which those are reads a few small columns. Returns the values of the rows it inserted
        or rewrote; a row left as it was keeps its ``next_timer_*`` as they stand.
        """
        existing = self.existing_digests(record_ids)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        written: list[Mapping[str, Any]] = []
        for row in wanted:
            found = existing.pop((row.record_id, row.key, row.cycle), None)
            if found is not None and found.digest == row.digest:
                continue
            values = row.values()
            if found is None:
                inserts.append({**values, "digest": row.digest})
            else:
                updates.append({"id": found.id, **_changeable(values), "digest": row.digest})
            written.append(values)
        if existing:
            ids = [found.id for found in existing.values()]
            self.session.execute(
                delete(MILESTONES).where(among(self.session, MILESTONES.c.id, ids))
            )
        insert_rows(self.session, MILESTONES, inserts)
        update_rows(self.session, MILESTONES, updates)
        return written

    def queue(
        self,
        where: QueueFilter,
        *,
        now: datetime,
        scope: frozenset[str] | None,
        sort_by_deadline: bool,
        limit: int,
        offset: int,
    ) -> Sequence[MilestoneRow]:
        """Milestones matching ``where``; by deadline (soonest first, none last) when asked.

        By deadline, rows with a deadline come from one range scan of the
        ``(is_open, deadline, id)`` indexes; rows without one follow, by id.
        """
        conditions = _conditions(where, now=now, scope=scope)
        if not sort_by_deadline:
            return self._page(conditions, (MilestoneRow.id,), limit, offset)
        dated = [*conditions, MilestoneRow.deadline.is_not(None)]
        rows = list(self._page(dated, (MilestoneRow.deadline, MilestoneRow.id), limit, offset))
        if len(rows) == limit:
            return rows
        total = offset + len(rows) if rows else self._count(dated)
        undated = [*conditions, MilestoneRow.deadline.is_(None)]
        rest = self._page(undated, (MilestoneRow.id,), limit - len(rows), max(0, offset - total))
        return [*rows, *rest]

    def _page(
        self,
        conditions: Sequence[ColumnElement[bool]],
        order: Sequence[Any],
        limit: int,
        offset: int,
    ) -> Sequence[MilestoneRow]:
        query = select(MilestoneRow).where(*conditions).order_by(*order)
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def _count(self, conditions: Sequence[ColumnElement[bool]]) -> int:
        query = select(func.count()).select_from(MilestoneRow).where(*conditions)
        return self.session.scalar(query) or 0


def _conditions(
    where: QueueFilter, *, now: datetime, scope: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.open_only:
        conditions.append(MilestoneRow.is_open == true())  # '= true' is indexable
    if where.states is not None:
        conditions.append(_state_condition(where.states, now))
    for column, value in (
        (MilestoneRow.owner, where.owner),
        (MilestoneRow.team, where.team),
        (MilestoneRow.account_id, where.account),
        (MilestoneRow.key, where.milestone),
    ):
        if value is not None:
            conditions.append(column == value)
    if scope is not None:
        conditions.append(MilestoneRow.account_id.in_(scope) if scope else false())
    return conditions


def _state_condition(states: frozenset[str], now: datetime) -> ColumnElement[bool]:
    """States as of ``now``: a running row past its deadline counts as violated."""
    overdue = and_(MilestoneRow.deadline.is_not(None), MilestoneRow.deadline <= now)
    parts: list[ColumnElement[bool]] = []
    if "violated" in states:
        parts.append(MilestoneRow.state == "violated")
        parts.append(and_(MilestoneRow.state == "running", overdue))
    if "running" in states:
        parts.append(
            and_(
                MilestoneRow.state == "running",
                or_(MilestoneRow.deadline.is_(None), MilestoneRow.deadline > now),
            )
        )
    others = states - {"violated", "running"}
    if others:
        parts.append(MilestoneRow.state.in_(others))
    return or_(*parts) if parts else false()
