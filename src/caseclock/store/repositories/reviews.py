"""Queries of the milestone review: each section's rows for one team (the worst first, a page
of them and how many there are), compliance counts of a period in one aggregate, the events
behind pauses, leads' marks, and the claim that sends a period's digest once.

The states are read as of the review's instant as ``caseclock.core.standing.state_at`` reads
them (a running row past its deadline is violated), and the compliance counts mirror
``caseclock.core.compliance.compliance`` over the rows ``ReportRepository.outcomes`` reads;
tests/store/test_review_sql.py holds the SQL to the Python answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseclock.store.bulk import among
from caseclock.store.models import (
    EventRow,
    MilestoneRow,
    RecordRow,
    ReviewMarkRow,
    ReviewRunRow,
    ReviewScheduleRow,
)

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
MILESTONES = cast(Table, MilestoneRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
RECORDS = cast(Table, RecordRow.__table__)
PAUSE_EVENT_TYPES = ("override", "status", "field", "comment")


@dataclass(frozen=True, slots=True)
class ReviewScope:
    """Whose rows a review reads: one team, the reader's accounts (None: every account), and
    for a high-priority review only the records of some tiers (None: every tier)."""

    team: str
    accounts: frozenset[str] | None
    tiers: frozenset[str] | None = None
    # with ``tiers``, a high-priority review: the records of those tiers or of these accounts
    priority_accounts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One milestone cycle as the review lists it (plain values)."""

    record_id: str
    key: str
    cycle: int
    name: str
    state: str
    basis: str
    calendar: str | None
    started_at: datetime | None
    deadline: datetime | None
    warning_at: datetime | None
    completed_at: datetime | None
    violated_at: datetime | None
    late: bool | None
    paused_seconds: float
    owner: str | None
    account_id: str | None
    tier: str | None
    priority: str | None
    status: str | None
    subject: str | None
    last_activity: datetime


@dataclass(frozen=True, slots=True)
class PauseEvent:
    """An event that may have paused a clock: an override, a status or field change, a reply."""

    record_id: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    actor: str | None  # who sent it (``core.provenance``)


_COLUMNS = (
    MilestoneRow.record_id,
    MilestoneRow.key,
    MilestoneRow.cycle,
    MilestoneRow.name,
    MilestoneRow.state,
    MilestoneRow.basis,
    MilestoneRow.calendar,
    MilestoneRow.started_at,
    MilestoneRow.deadline,
    MilestoneRow.warning_at,
    MilestoneRow.completed_at,
    MilestoneRow.violated_at,
    MilestoneRow.late,
    MilestoneRow.paused_seconds,
    MilestoneRow.owner,
    MilestoneRow.account_id,
    RecordRow.tier,
    RecordRow.priority,
    RecordRow.status,
    RecordRow.fields,
    RecordRow.updated_at,
)


def _overdue(now: datetime) -> ColumnElement[bool]:
    """Violated at ``now``: mirrors ``core.standing.state_at`` (the deadline instant counts)."""
    return or_(
        MilestoneRow.state == "violated",
        and_(
            MilestoneRow.state == "running",
            MilestoneRow.deadline.is_not(None),
            MilestoneRow.deadline <= now,
        ),
    )


def _breached() -> ColumnElement[bool]:
    """A breach is history: completed late, or past a deadline at some point."""
    return or_(MilestoneRow.late.is_(True), MilestoneRow.violated_at.is_not(None))


def _in(column: Any, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(column >= since, column < until)


@dataclass(frozen=True, slots=True)
class Window:
    """The instants a review reads: its period ``[since, until)``, the reading instant ``now``,
    the end of "the next week" (``horizon``) and the last activity before which a record has
    stalled (``quiet``)."""

    since: datetime
    until: datetime
    now: datetime
    horizon: datetime
    quiet: datetime


def _breached_in(w: Window) -> ColumnElement[bool]:
    """First past a deadline in the period (``violated_at``: kept after an override)."""
    return _in(MilestoneRow.violated_at, w.since, w.until)


def _overdue_unmarked(w: Window) -> ColumnElement[bool]:
    """Still running past a deadline of the period: not re-evaluated since, so no breach is
    stored yet (``ix_milestones_team_state_deadline`` finds them without reading the rest)."""
    return and_(
        MilestoneRow.state == "running",
        MilestoneRow.violated_at.is_(None),
        _in(MilestoneRow.deadline, w.since, w.until),
        MilestoneRow.deadline <= w.until,
    )


def _violated(w: Window) -> ColumnElement[bool]:
    """First past a deadline in the period, or open and past a deadline that fell in it."""
    return or_(_breached_in(w), _overdue_unmarked(w))


def _at_risk(w: Window) -> ColumnElement[bool]:
    """Open, not violated, and due before the horizon."""
    return and_(
        MilestoneRow.is_open.is_(True),
        MilestoneRow.state.in_(("running", "paused")),
        MilestoneRow.deadline > w.now,
        MilestoneRow.deadline < w.horizon,
    )


def _stalled(w: Window) -> ColumnElement[bool]:
    """An open record with no event since ``quiet`` (reads the record)."""
    return and_(RecordRow.is_closed.is_(False), RecordRow.updated_at < w.quiet)


def _paused(_: Window) -> ColumnElement[bool]:
    return and_(MilestoneRow.is_open.is_(True), MilestoneRow.state == "paused")


def _late(w: Window) -> ColumnElement[bool]:
    """Completed in the period after a deadline (or after a breach an override moved)."""
    return and_(
        MilestoneRow.state == "completed",
        _in(MilestoneRow.completed_at, w.since, w.until),
        _breached(),
    )


def _decide(w: Window) -> ColumnElement[bool]:
    """Open, past its deadline, and nobody owns it."""
    return and_(MilestoneRow.is_open.is_(True), _overdue(w.now), MilestoneRow.owner.is_(None))


# Each section: which rows, in which order (the most pressing first). The order reads only
# the milestone row, so that a page is the first rows of an index walk (``page``); "violated"
# is two such walks merged (``_violated_page``); "stalled" counts records, not milestones (a
# walk of the quiet records, ``_stalled_page``), so its condition reads the record.
SECTIONS: dict[str, tuple[Callable[[Window], ColumnElement[bool]], tuple[Any, ...]]] = {
    "violated": (_violated, (MilestoneRow.violated_at, MilestoneRow.id)),
    "at_risk": (_at_risk, (MilestoneRow.deadline, MilestoneRow.id)),
    "stalled": (_stalled, (MilestoneRow.id,)),
    "paused": (_paused, (MilestoneRow.paused_seconds.desc(), MilestoneRow.id)),
    "late": (_late, (MilestoneRow.completed_at.desc(), MilestoneRow.id)),
    "decide": (_decide, (MilestoneRow.deadline, MilestoneRow.id)),
}


def _compliance_parts(since: datetime, until: datetime) -> dict[str, ColumnElement[bool]]:
    """The rows ``ReportRepository.outcomes`` reads for ``[since, until)`` counted as
    ``core.compliance`` counts them at ``until``: on time, late, violated, open."""
    window = or_(
        _in(MilestoneRow.completed_at, since, until),
        and_(MilestoneRow.completed_at.is_(None), _in(MilestoneRow.deadline, since, until)),
        _in(MilestoneRow.violated_at, since, until),
    )
    breached = _breached()
    completed = MilestoneRow.state == "completed"
    cancelled = MilestoneRow.state == "cancelled"
    violated_now = and_(MilestoneRow.state.in_(("running", "violated")), _overdue(until))
    running = or_(
        MilestoneRow.state == "paused",
        and_(
            MilestoneRow.state == "running",
            or_(MilestoneRow.deadline.is_(None), MilestoneRow.deadline > until),
        ),
    )
    return {
        "in_window": window,
        "on_time": and_(window, completed, ~breached),
        "late": and_(window, or_(and_(completed, breached), and_(cancelled, breached))),
        "violated": and_(window, or_(violated_now, and_(running, breached))),
        "open": and_(window, running, ~breached),
    }


def _counted(parts: dict[str, ColumnElement[bool]]) -> list[Any]:
    return [func.sum(case((cond, 1), else_=0)) for cond in parts.values()]


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the sections -------------------------------------------------------------------

    def _scoped(self, query: Q, scope: ReviewScope, *, records: bool = True) -> Q:
        """Only the team's rows, of the reader's accounts (and tiers, which reads the record:
        ``records`` joins it)."""
        if records or scope.tiers is not None:
            query = query.join(RecordRow, RecordRow.id == MilestoneRow.record_id)
        return self._readers(query.where(MilestoneRow.team == scope.team), scope, MILESTONES)

    def _readers(self, query: Q, scope: ReviewScope, table: Table) -> Q:
        """Only the reader's accounts (``table``'s account column), and the scope's tiers."""
        if scope.accounts is not None:
            accounts = scope.accounts
            query = query.where(
                among(self.session, table.c.account_id, accounts) if accounts else false()
            )
        if scope.tiers is not None:
            parts: list[ColumnElement[bool]] = []
            if scope.tiers:
                parts.append(RecordRow.tier.in_(sorted(scope.tiers)))
            if scope.priority_accounts:
                parts.append(table.c.account_id.in_(sorted(scope.priority_accounts)))
            query = query.where(or_(*parts) if parts else false())
        return query

    def page(self, key: str, scope: ReviewScope, window: Window, *, limit: int) -> list[ReviewRow]:
        """The most pressing ``limit`` rows of section ``key`` (see ``SECTIONS``): their ids
        from the milestone rows alone, then those rows with their records."""
        if key == "violated":
            return self._violated_page(scope, window, limit)
        if key == "stalled":
            return self._stalled_page(scope, window, limit)
        where, order = SECTIONS[key]
        query = self._scoped(select(MilestoneRow.id), scope, records=False)
        ids = self.session.scalars(query.where(where(window)).order_by(*order).limit(limit))
        return self._rows(list(ids))

    def _violated_page(self, scope: ReviewScope, window: Window, limit: int) -> list[ReviewRow]:
        """The earliest breaches first: breaches stored in the period (by ``violated_at``) and
        open rows past a deadline of the period not re-evaluated since (by deadline)."""
        found: list[tuple[datetime, int]] = []
        for where, column in (
            (_breached_in(window), MilestoneRow.violated_at),
            (_overdue_unmarked(window), MilestoneRow.deadline),
        ):
            query = self._scoped(select(column, MilestoneRow.id), scope, records=False)
            query = query.where(where).order_by(column, MilestoneRow.id).limit(limit)
            found += [(at, i) for at, i in self.session.execute(query).all() if at is not None]
        return self._rows([i for _, i in sorted(found)[:limit]])

    def _stalled_page(self, scope: ReviewScope, window: Window, limit: int) -> list[ReviewRow]:
        """The quietest records first (a walk of the team's records by their last event,
        ``ix_records_team_updated_at``), each with its open milestone due soonest."""
        quiet = self._quiet_records(scope, window).order_by(RecordRow.updated_at, RecordRow.id)
        records = list(self.session.scalars(quiet.limit(limit)))
        if not records:
            return []
        query = (
            select(MilestoneRow.record_id, MilestoneRow.id)
            .where(
                among(self.session, MILESTONES.c.record_id, records),
                MilestoneRow.is_open.is_(True),
                MilestoneRow.team == scope.team,
            )
            .order_by(MilestoneRow.deadline, MilestoneRow.id)
        )
        first: dict[str, int] = {}
        for record_id, milestone_id in self.session.execute(query).all():
            first.setdefault(record_id, milestone_id)
        return self._rows([first[r] for r in records if r in first])

    def _quiet_records(self, scope: ReviewScope, window: Window) -> Select[str]:
        """Open records of the team, in scope, quiet since ``window.quiet``, that hold an open
        milestone of the team."""
        has_open = (
            select(MilestoneRow.id)
            .where(
                MilestoneRow.record_id == RecordRow.id,
                MilestoneRow.is_open.is_(True),
                MilestoneRow.team == scope.team,
            )
            .exists()
        )
        query = select(RecordRow.id).where(RecordRow.team == scope.team, _stalled(window), has_open)
        return self._readers(query, scope, RECORDS)

    def _rows(self, ids: list[int]) -> list[ReviewRow]:
        """The rows of ``ids`` with their records, in the order of ``ids``."""
        if not ids:
            return []
        query = (
            select(MilestoneRow.id, *_COLUMNS)
            .join(RecordRow, RecordRow.id == MilestoneRow.record_id)
            .where(among(self.session, MILESTONES.c.id, ids))
        )
        by_id = {row[0]: row for row in self.session.execute(query).all()}
        return [_review_row(by_id[i]) for i in ids if i in by_id]

    def section_counts(self, scope: ReviewScope, window: Window) -> dict[str, int]:
        """How many rows each section holds, and the period's compliance counts, in one pass
        over the team's open rows and its rows of the period (the record is read only for
        "stalled", by a second query over the records that are quiet)."""
        sections = {k: where(window) for k, (where, _) in SECTIONS.items() if k != "stalled"}
        parts = {
            **sections,
            **{f"c_{k}": v for k, v in _compliance_parts(window.since, window.until).items()},
        }
        reach = or_(MilestoneRow.is_open.is_(True), parts["c_in_window"])
        query = self._scoped(
            select(*_counted(parts)).select_from(MilestoneRow), scope, records=False
        )
        values = self.session.execute(query.where(reach)).one()
        found = {name: int(value or 0) for name, value in zip(parts, values, strict=True)}
        stalled = select(func.count()).select_from(self._quiet_records(scope, window).subquery())
        found["stalled"] = int(self.session.scalar(stalled) or 0)
        return found

    def compliance_counts(
        self, scope: ReviewScope, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """On time, late, violated, open and other among the cycles ``ReportRepository.outcomes``
        would read for ``[since, until)``, counted as ``core.compliance`` counts them at
        ``until``."""
        parts = _compliance_parts(since, until)
        query = self._scoped(
            select(*_counted(parts)).select_from(MilestoneRow), scope, records=False
        )
        values = self.session.execute(query.where(parts["in_window"])).one()
        return compliance_of({name: int(v or 0) for name, v in zip(parts, values, strict=True)})

    def pause_events(self, record_ids: Iterable[str]) -> list[PauseEvent]:
        """The events of ``record_ids`` that may start or explain a pause, newest first."""
        wanted = set(record_ids)
        if not wanted:
            return []
        query = (
            select(
                EventRow.record_id,
                EventRow.type,
                EventRow.occurred_at,
                EventRow.data,
                EventRow.actor,
            )
            .where(
                among(self.session, EVENTS.c.record_id, wanted),
                EventRow.type.in_(PAUSE_EVENT_TYPES),
            )
            .order_by(EventRow.occurred_at.desc(), EventRow.seq.desc())
        )
        return [PauseEvent(*row) for row in self.session.execute(query).all()]

    # -- marks ----------------------------------------------------------------------------

    def add_mark(self, values: dict[str, Any]) -> ReviewMarkRow:
        row = ReviewMarkRow(**values)
        self.session.add(row)
        self.session.flush()
        return row

    def marks(self, team: str, *, limit: int) -> Sequence[ReviewMarkRow]:
        """The team's marks, newest first."""
        query = (
            select(ReviewMarkRow)
            .where(ReviewMarkRow.team == team)
            .order_by(ReviewMarkRow.at.desc(), ReviewMarkRow.id.desc())
            .limit(limit)
        )
        return self.session.scalars(query).all()

    # -- runs: one digest per team, cadence and period ------------------------------------

    def claim(self, values: dict[str, Any], *, now: datetime) -> ReviewRunRow | None:
        """Insert the period's run as claimed by ``values['claimed_by']``; or take over a claim
        whose lease ran out before it was sent. None when another worker holds or sent it."""
        try:
            with self.session.begin_nested():
                row = ReviewRunRow(**values)
                self.session.add(row)
            return row
        except IntegrityError:
            pass
        taken = self.session.execute(
            update(ReviewRunRow)
            .where(
                ReviewRunRow.team == values["team"],
                ReviewRunRow.cadence == values["cadence"],
                ReviewRunRow.period_start == values["period_start"],
                ReviewRunRow.state == "claimed",
                ReviewRunRow.lease_until < now,
            )
            .values(claimed_by=values["claimed_by"], lease_until=values["lease_until"])
            .returning(ReviewRunRow.id)
        ).scalar_one_or_none()
        return None if taken is None else self.session.get(ReviewRunRow, taken)

    def settled(self, *, since: datetime, now: datetime) -> set[tuple[str, str, datetime]]:
        """(team, cadence, period_start) of the runs ending at or after ``since`` that are
        sent, failed, or claimed under a lease that still holds at ``now``."""
        query = select(ReviewRunRow.team, ReviewRunRow.cadence, ReviewRunRow.period_start).where(
            ReviewRunRow.period_end >= since,
            or_(ReviewRunRow.state != "claimed", ReviewRunRow.lease_until >= now),
        )
        return {(t, c, p) for t, c, p in self.session.execute(query).all()}

    def finish(self, run_id: int, *, state: str, outcome: str, now: datetime) -> None:
        self.session.execute(
            update(ReviewRunRow)
            .where(ReviewRunRow.id == run_id)
            .values(state=state, outcome=outcome, sent_at=now if state == "sent" else None)
        )

    def release(self, run_id: int, *, outcome: str, now: datetime) -> None:
        """End a claim's lease at ``now``, keeping why, so that a later pass claims it again."""
        self.session.execute(
            update(ReviewRunRow)
            .where(ReviewRunRow.id == run_id, ReviewRunRow.state == "claimed")
            .values(lease_until=now, outcome=outcome)
        )

    def runs(self, team: str, *, limit: int) -> Sequence[ReviewRunRow]:
        query = (
            select(ReviewRunRow)
            .where(ReviewRunRow.team == team)
            .order_by(ReviewRunRow.period_end.desc(), ReviewRunRow.id.desc())
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def last_sent(self, team: str, cadence: str) -> datetime | None:
        query = select(func.max(ReviewRunRow.period_end)).where(
            ReviewRunRow.team == team,
            ReviewRunRow.cadence == cadence,
            ReviewRunRow.state == "sent",
        )
        return self.session.scalar(query)

    # -- schedules ----------------------------------------------------------------------

    def schedules(self) -> dict[str, ReviewScheduleRow]:
        """Every team's own schedule, by team name."""
        return {row.team: row for row in self.session.scalars(select(ReviewScheduleRow)).all()}

    def schedule(self, team: str) -> ReviewScheduleRow | None:
        return self.session.get(ReviewScheduleRow, team)

    def put_schedule(self, values: dict[str, Any]) -> ReviewScheduleRow:
        """Create or replace a team's schedule."""
        row = self.session.get(ReviewScheduleRow, values["team"])
        if row is None:
            row = ReviewScheduleRow(**values)
            self.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()
        return row


def _review_row(row: Any) -> ReviewRow:
    values = row._asdict()
    fields = values.pop("fields") or {}
    subject = fields.get("subject")
    return ReviewRow(
        **{k: v for k, v in values.items() if k not in {"updated_at", "id"}},
        subject=subject if isinstance(subject, str) and subject else None,
        last_activity=values["updated_at"],
    )


def compliance_of(found: dict[str, int], prefix: str = "") -> dict[str, int]:
    """The counts of ``_compliance_parts`` (keys with ``prefix``) as ``Compliance`` fields."""
    counts = {k: found[f"{prefix}{k}"] for k in ("on_time", "late", "violated", "open")}
    counts["other"] = found[f"{prefix}in_window"] - sum(counts.values())
    return counts
