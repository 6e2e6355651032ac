"""Queries over materialized milestone rows: replace a record's rows, and the at-risk queue
(its pages in deadline order, one row per record, and its counts by standing)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
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

from caseclock.core.account_clock import RECORD_PREFIX
from caseclock.core.milestones import Basis
from caseclock.store.bulk import among, copy_rows, insert_rows, update_rows
from caseclock.store.models import MilestoneRiskRow, MilestoneRow, RecordRow

CUSTOMER = "customer"  # QueueFilter.kind of customer milestones
CASE = "case"  # and of every other milestone
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
    """A stored row as ``replace`` compares it: its id and digest; ``kept`` when a policy
    migration kept it as decided under an earlier version (``replace`` leaves it alone)."""

    id: int
    digest: str
    kept: bool = False


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
    teams: frozenset[str] | None = None  # any of these teams (a lead's "My team")
    account: str | None = None
    milestone: str | None = None
    tier: str | None = None  # the record's tier
    kind: str | None = None  # "customer": customer milestones on accounts; "case": the others


@dataclass(frozen=True, slots=True)
class DueSoon:
    """Where "little time left" begins for the counts, as deadlines: a business-time row on
    version ``v`` of calendar ``c`` has at most the threshold left once its deadline is at or
    before ``business[(c, v)]`` (a row naming no version counts on the newest: ``(c, None)``);
    any other row once its deadline is at or before ``wall``."""

    wall: datetime
    business: Mapping[tuple[str, int | None], datetime]  # version None: a row of the newest


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """Open milestones by standing at an instant, ``at``."""

    at: datetime
    violated: int = 0
    at_risk: int = 0
    on_track: int = 0
    paused: int = 0

    @property
    def total(self) -> int:
        return self.violated + self.at_risk + self.on_track + self.paused


def first_per_record(
    read: Callable[[int, int], Sequence[MilestoneRow]], *, limit: int, offset: int
) -> list[MilestoneRow]:
    """A page (``limit`` rows after the first ``offset``) of one row per record, each record's
    first in the order ``read(size, start)`` pages through: read in chunks of a few pages'
    worth, each record's first row kept, until the page is full or the rows run out."""
    wanted = offset + limit
    chunk = max(3 * wanted, 100)
    seen: set[str] = set()
    found: list[MilestoneRow] = []
    start = 0
    while len(found) < wanted:
        rows = read(chunk, start)
        for row in rows:
            if row.record_id not in seen:
                seen.add(row.record_id)
                found.append(row)
        start += len(rows)
        if len(rows) < chunk:
            break
    return found[offset:wanted]


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

    def values_by_id(self, ids: Iterable[int]) -> dict[int, Mapping[str, Any]]:
        """The rows' column values (not ORM objects: the worker reads them, never writes)."""
        wanted = set(ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(MILESTONES).where(among(self.session, MILESTONES.c.id, wanted))
        ).mappings()
        return {row["id"]: cast(Mapping[str, Any], row) for row in rows}

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
                MILESTONES.c.kept_version,
            ).where(among(self.session, MILESTONES.c.record_id, wanted))
        ).all()
        return {
            (record_id, key, cycle): Stored(row_id, found, kept is not None)
            for row_id, record_id, key, cycle, found, kept in rows
        }

    def insert_new(self, wanted: Sequence[Wanted]) -> list[Mapping[str, Any]]:
        """``replace`` for records created in this transaction, which have no rows yet: no
        lookup, and ``COPY`` on PostgreSQL (history imports). Returns the rows' values."""
        written: list[Mapping[str, Any]] = [row.values() for row in wanted]
        copy_rows(
            self.session,
            MILESTONES,
            [{**values, "digest": row.digest} for values, row in zip(written, wanted, strict=True)],
        )
        return written

    def replace(
        self,
        record_ids: Iterable[str],
        wanted: Sequence[Wanted],
    ) -> list[Mapping[str, Any]]:
        """Make the records' rows exactly ``wanted``: insert new, update changed, delete gone.

        A row whose stored digest is the wanted one is left alone, so re-evaluating a record
        after a comment rewrites only the milestones the comment changed, and finding out
        which those are reads a few small columns. Returns the values of the rows it inserted
        or rewrote; a row left as it was keeps its ``next_timer_*`` as they stand. A row a
        policy migration kept (``kept_version``) is neither rewritten nor deleted while the
        evaluation still finds its cycle completed.
        """
        existing = self.existing_digests(record_ids)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        released: list[dict[str, Any]] = []  # kept rows that run again (few, their own keys)
        written: list[Mapping[str, Any]] = []
        for row in wanted:
            found = existing.pop((row.record_id, row.key, row.cycle), None)
            if found is not None and found.digest == row.digest and not found.kept:
                continue
            values = row.values()
            if found is None:
                inserts.append({**values, "digest": row.digest})
            elif found.kept and values["completed_at"] is not None:
                continue  # decided under its version, and still decided: kept as it was
            elif found.kept:  # reopened and resumed: it runs on the record's version again
                changed = {**_changeable(values), "digest": row.digest, "kept_version": None}
                released.append({"id": found.id, **changed})
            else:
                updates.append({"id": found.id, **_changeable(values), "digest": row.digest})
            written.append(values)
        ids = [found.id for found in existing.values() if not found.kept]
        if ids:
            self.session.execute(
                delete(MILESTONES).where(among(self.session, MILESTONES.c.id, ids))
            )
        insert_rows(self.session, MILESTONES, inserts)
        update_rows(self.session, MILESTONES, updates)
        update_rows(self.session, MILESTONES, released)
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
        rest = self.undated(
            where, now=now, scope=scope, limit=limit - len(rows), offset=max(0, offset - total)
        )
        return [*rows, *rest]

    def by_risk(
        self,
        where: QueueFilter,
        *,
        now: datetime,
        scope: frozenset[str] | None,
        limit: int,
        offset: int,
    ) -> Sequence[MilestoneRow]:
        """Milestones matching ``where``, highest stored breach risk first (ties by id), then
        those without a figure, soonest deadline first.

        The rows with a figure come from a backward walk of the ``(probability,
        milestone_id)`` index of the stored risks, each joined to its milestone by key, so a
        page reads about as many rows as it shows; the rest follow as ``queue`` reads them.
        """
        risk = MilestoneRiskRow
        conditions = _conditions(where, now=now, scope=scope)
        scored = (
            select(MilestoneRow)
            .join(risk, risk.milestone_id == MilestoneRow.id)
            .where(*conditions, risk.probability.is_not(None))
            .order_by(risk.probability.desc(), risk.milestone_id.desc())
        )
        unscored = (
            select(MilestoneRow)
            .outerjoin(risk, risk.milestone_id == MilestoneRow.id)
            .where(*conditions, risk.probability.is_(None))
        )
        rows = list(self.session.scalars(scored.limit(limit).offset(offset)).all())
        if not rows and not offset:  # no figure at all (no model yet): the deadline order
            return self.queue(
                where, now=now, scope=scope, sort_by_deadline=True, limit=limit, offset=0
            )
        parts = (  # after the rows with a figure: soonest deadline first, then the undated
            unscored.where(MilestoneRow.deadline.is_not(None)).order_by(
                MilestoneRow.deadline, MilestoneRow.id
            ),
            unscored.where(MilestoneRow.deadline.is_(None)).order_by(MilestoneRow.id),
        )
        skip = 0 if rows else self._skipped(scored, offset)
        for part in parts:
            if len(rows) == limit:
                break
            found = self.session.scalars(part.limit(limit - len(rows)).offset(skip)).all()
            rows.extend(found)
            skip = 0 if found or not skip else self._skipped(part, skip)
        return rows

    def _skipped(self, part: Select[Any], offset: int) -> int:
        """What is left of ``offset`` after the rows of ``part`` (a page that starts past it)."""
        counted = select(func.count()).select_from(part.order_by(None).subquery())
        return max(0, offset - int(self.session.scalar(counted) or 0))

    def soonest_per_clock(
        self,
        where: QueueFilter,
        *,
        now: datetime,
        scope: frozenset[str] | None,
        limit: int,
    ) -> list[Sequence[MilestoneRow]]:
        """Rows with a deadline, soonest first, in one list per clock a row can count on: per
        (basis, calendar, calendar version) that open rows hold. On one such clock time left
        grows with the deadline, so each list is in time-left order too. Each list holds at
        most ``limit`` rows, read from one range of the ``(is_open, basis, calendar,
        calendar_version, deadline, id)`` index."""
        dated = [*_conditions(where, now=now, scope=scope), MilestoneRow.deadline.is_not(None)]
        order = (MilestoneRow.deadline, MilestoneRow.id)
        return [
            self._page(
                [
                    *dated,
                    MilestoneRow.basis == basis,
                    MilestoneRow.calendar.is_(None)
                    if calendar is None
                    else MilestoneRow.calendar == calendar,
                    MilestoneRow.calendar_version.is_(None)
                    if version is None
                    else MilestoneRow.calendar_version == version,
                ],
                order,
                limit,
                0,
            )
            for basis, calendar, version in self.open_clocks()
        ]

    def open_clocks(self) -> list[tuple[str, str | None, int | None]]:
        """The (basis, calendar, calendar version) that open rows hold, found by probing the
        index once per clock (a loose index scan), not by reading every open row."""
        found: list[tuple[str, str | None, int | None]] = []
        for basis in (Basis.BUSINESS.value, Basis.CALENDAR.value):
            on = [MilestoneRow.is_open == true(), MilestoneRow.basis == basis]
            last: str | None = None
            while True:
                after = [] if last is None else [MilestoneRow.calendar > last]
                name = self.session.scalar(
                    select(func.min(MilestoneRow.calendar)).where(*on, *after)
                )
                if name is None:
                    break
                found += [(basis, name, v) for v in self._versions(on, name)]
                last = name
            unnamed = select(MilestoneRow.id).where(*on, MilestoneRow.calendar.is_(None)).limit(1)
            if self.session.scalar(unnamed) is not None:
                found.append((basis, None, None))
        return found

    def _versions(self, on: list[ColumnElement[bool]], name: str) -> list[int | None]:
        """The versions of calendar ``name`` that rows matching ``on`` hold (probed so)."""
        here = [*on, MilestoneRow.calendar == name]
        found: list[int | None] = []
        last: int | None = None
        while True:
            after = [] if last is None else [MilestoneRow.calendar_version > last]
            version = self.session.scalar(
                select(func.min(MilestoneRow.calendar_version)).where(*here, *after)
            )
            if version is None:
                break
            found.append(version)
            last = version
        unversioned = select(MilestoneRow.id).where(*here, MilestoneRow.calendar_version.is_(None))
        if self.session.scalar(unversioned.limit(1)) is not None:
            found.append(None)
        return found

    def undated(
        self,
        where: QueueFilter,
        *,
        now: datetime,
        scope: frozenset[str] | None,
        limit: int,
        offset: int,
    ) -> Sequence[MilestoneRow]:
        """Rows without a deadline (paused, or with no target), by id."""
        conditions = [*_conditions(where, now=now, scope=scope), MilestoneRow.deadline.is_(None)]
        return self._page(conditions, (MilestoneRow.id,), limit, offset)

    def next_breaches(
        self,
        where: QueueFilter,
        *,
        now: datetime,
        scope: frozenset[str] | None,
        limit: int,
        offset: int,
    ) -> list[MilestoneRow]:
        """One row per record, its open milestone with the soonest deadline, soonest first.

        Walks the deadline order in chunks (``first_per_record``), so a page costs a few
        index range reads, not a pass over every open milestone.
        """
        return first_per_record(
            lambda size, start: self.queue(
                where, now=now, scope=scope, sort_by_deadline=True, limit=size, offset=start
            ),
            limit=limit,
            offset=offset,
        )

    def counts(
        self,
        where: QueueFilter,
        *,
        now: datetime,
        scope: frozenset[str] | None,
        due_soon: DueSoon,
    ) -> QueueCounts:
        """The open milestones ``where`` matches, counted by standing at ``now`` in one pass
        (filtered counts of one aggregate over the same index the pages read).

        The filters mirror ``caseclock.core.standing.standing``: paused stays paused; a running
        row whose deadline has come (``deadline <= now``) counts as violated, as ``state_at``
        decides; a running row is at risk once its warning instant has come or its time left
        is within the threshold (``due_soon``), else on track.
        """
        running = MilestoneRow.state == "running"
        violated = or_(MilestoneRow.state == "violated", and_(running, _overdue(now)))
        at_risk = and_(
            running,
            MilestoneRow.deadline > now,
            or_(MilestoneRow.warning_at <= now, _within(due_soon)),
        )
        conditions = [*_conditions(where, now=now, scope=scope), MilestoneRow.is_open == true()]
        query = select(
            func.count().filter(MilestoneRow.state == "paused"),
            func.count().filter(violated),
            func.count().filter(at_risk),
            func.count(),
        ).where(*conditions)
        paused, late, risky, total = self.session.execute(query).one()
        return QueueCounts(
            at=now,
            violated=int(late),
            at_risk=int(risky),
            on_track=int(total) - int(paused) - int(late) - int(risky),
            paused=int(paused),
        )

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
    if where.kind is not None:  # customer milestones run on their account's customer record
        customer = MilestoneRow.record_id.startswith(RECORD_PREFIX, autoescape=True)
        conditions.append(customer if where.kind == CUSTOMER else ~customer)
    if where.tier is not None:
        tiered = select(RecordRow.id).where(RecordRow.tier == where.tier)
        conditions.append(MilestoneRow.record_id.in_(tiered))
    for column, value in (
        (MilestoneRow.owner, where.owner),
        (MilestoneRow.team, where.team),
        (MilestoneRow.account_id, where.account),
        (MilestoneRow.key, where.milestone),
    ):
        if value is not None:
            conditions.append(column == value)
    if where.teams is not None:
        conditions.append(MilestoneRow.team.in_(sorted(where.teams)) if where.teams else false())
    if scope is not None:
        conditions.append(MilestoneRow.account_id.in_(scope) if scope else false())
    return conditions


def _overdue(now: datetime) -> ColumnElement[bool]:
    """The deadline has come at ``now`` (the instant itself counts): mirrors
    ``caseclock.core.standing.state_at``."""
    return and_(MilestoneRow.deadline.is_not(None), MilestoneRow.deadline <= now)


def _within(due_soon: DueSoon) -> ColumnElement[bool]:
    """The row's time left is within the threshold (see ``DueSoon``)."""
    business = MilestoneRow.basis == "business"
    clocks = [
        and_(
            MilestoneRow.calendar == name,
            MilestoneRow.calendar_version.is_(None)
            if version is None
            else MilestoneRow.calendar_version == version,
        )
        for name, version in due_soon.business
    ]
    known = or_(*clocks) if clocks else false()
    parts = [
        and_(business, clock, MilestoneRow.deadline <= cutoff)
        for clock, cutoff in zip(clocks, due_soon.business.values(), strict=True)
    ]
    parts.append(
        and_(
            or_(~business, MilestoneRow.calendar.is_(None), ~known),
            MilestoneRow.deadline <= due_soon.wall,
        )
    )
    return or_(*parts)


def _state_condition(states: frozenset[str], now: datetime) -> ColumnElement[bool]:
    """States as of ``now``: a running row past its deadline counts as violated, as
    ``caseclock.core.standing.state_at`` decides (this is its SQL mirror;
    tests/store/test_standing_sql.py holds the two to the same answers)."""
    overdue = _overdue(now)
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
