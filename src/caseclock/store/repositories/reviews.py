"""Queries of the milestone review: each section's rows for one team (the worst first, a page
of them and how many there are), compliance counts of a period in one aggregate, the events
behind pauses, leads' marks, and the claim that sends a period's digest once.

The states are read as of the review's instant as ``caseclock.core.standing.state_at`` reads
them (a running row past its deadline is violated), and the compliance counts mirror
``caseclock.core.compliance.compliance`` over the rows ``ReportRepository.outcomes`` reads;
tests/store/test_review_sql.py holds the SQL to the Python answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseclock.store.bulk import among
from caseclock.store.models import EventRow, MilestoneRow, RecordRow, ReviewMarkRow, ReviewRunRow

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
MILESTONES = cast(Table, MilestoneRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
PAUSE_EVENT_TYPES = ("override", "status", "field", "comment")


@dataclass(frozen=True, slots=True)
class ReviewScope:
    """Whose rows a review reads: one team, the reader's accounts (None: every account), and
    for a high-priority review only the records of some tiers (None: every tier)."""

    team: str
    accounts: frozenset[str] | None
    tiers: frozenset[str] | None = None


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
class Page:
    rows: list[ReviewRow]
    total: int


@dataclass(frozen=True, slots=True)
class PauseEvent:
    """An event that may have paused a clock: an override, a status or field change, a reply."""

    record_id: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]


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


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the sections -------------------------------------------------------------------

    def _scoped(self, query: Q, scope: ReviewScope) -> Q:
        query = query.join(RecordRow, RecordRow.id == MilestoneRow.record_id).where(
            MilestoneRow.team == scope.team
        )
        if scope.accounts is not None:
            accounts = scope.accounts
            query = query.where(
                among(self.session, MILESTONES.c.account_id, accounts) if accounts else false()
            )
        if scope.tiers is not None:
            query = query.where(RecordRow.tier.in_(sorted(scope.tiers)) if scope.tiers else false())
        return query

    def _page(
        self,
        scope: ReviewScope,
        where: Sequence[ColumnElement[bool]],
        order: Sequence[Any],
        limit: int,
    ) -> Page:
        query = self._scoped(select(*_COLUMNS), scope).where(*where)
        rows = self.session.execute(query.order_by(*order).limit(limit)).all()
        total = len(rows)
        if total == limit:
            counted = self._scoped(select(func.count()).select_from(MilestoneRow), scope)
            total = int(self.session.scalar(counted.where(*where)) or 0)
        return Page([_review_row(row) for row in rows], total)

    def violated(self, scope: ReviewScope, *, since: datetime, until: datetime, limit: int) -> Page:
        """Cycles first past a deadline in ``[since, until)``, or open and past a deadline
        that fell in it; the longest overdue (earliest deadline) first."""
        breach = or_(
            _in(MilestoneRow.violated_at, since, until),
            and_(
                MilestoneRow.is_open.is_(True),
                MilestoneRow.violated_at.is_(None),
                _overdue(until),
                _in(MilestoneRow.deadline, since, until),
            ),
        )
        return self._page(scope, [breach], [MilestoneRow.deadline, MilestoneRow.id], limit)

    def at_risk(self, scope: ReviewScope, *, now: datetime, horizon: datetime, limit: int) -> Page:
        """Open cycles not yet violated whose deadline falls before ``horizon``, the soonest
        first (those whose warning has come are at risk now)."""
        where = [
            MilestoneRow.is_open.is_(True),
            MilestoneRow.state.in_(("running", "paused")),
            MilestoneRow.deadline > now,
            MilestoneRow.deadline < horizon,
        ]
        return self._page(scope, where, [MilestoneRow.deadline, MilestoneRow.id], limit)

    def stalled(self, scope: ReviewScope, *, quiet_since: datetime, limit: int) -> Page:
        """Open cycles on records with no event since ``quiet_since``, the quietest first."""
        where = [MilestoneRow.is_open.is_(True), RecordRow.updated_at < quiet_since]
        return self._page(scope, where, [RecordRow.updated_at, MilestoneRow.id], limit)

    def paused(self, scope: ReviewScope, *, limit: int) -> Page:
        """Open cycles whose clock is held, the most paused time first."""
        where = [MilestoneRow.is_open.is_(True), MilestoneRow.state == "paused"]
        order = [MilestoneRow.paused_seconds.desc(), MilestoneRow.id]
        return self._page(scope, where, order, limit)

    def completed_late(
        self, scope: ReviewScope, *, since: datetime, until: datetime, limit: int
    ) -> Page:
        """Cycles completed in ``[since, until)`` after a deadline (or after a breach an
        override moved); the latest against its deadline first."""
        where = [
            MilestoneRow.state == "completed",
            _in(MilestoneRow.completed_at, since, until),
            _breached(),
        ]
        order = [(MilestoneRow.deadline - MilestoneRow.completed_at), MilestoneRow.id]
        return self._page(scope, where, order, limit)

    def unowned_violations(self, scope: ReviewScope, *, now: datetime, limit: int) -> Page:
        """Open cycles past their deadline with nobody owning them."""
        where = [MilestoneRow.is_open.is_(True), _overdue(now), MilestoneRow.owner.is_(None)]
        return self._page(scope, where, [MilestoneRow.deadline, MilestoneRow.id], limit)

    def compliance_counts(
        self, scope: ReviewScope, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """On time, late, violated, open and other among the cycles ``ReportRepository.outcomes``
        would read for ``[since, until)``, counted as ``core.compliance`` counts them at
        ``until``."""
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
        parts = {
            "on_time": and_(completed, ~breached),
            "late": or_(and_(completed, breached), and_(cancelled, breached)),
            "violated": or_(violated_now, and_(running, breached)),
            "open": and_(running, ~breached),
        }
        columns = [func.sum(case((cond, 1), else_=0)) for cond in parts.values()]
        query = self._scoped(select(func.count(), *columns).select_from(MilestoneRow), scope)
        total, *counts = self.session.execute(query.where(window)).one()
        found = {name: int(value or 0) for name, value in zip(parts, counts, strict=True)}
        found["other"] = int(total or 0) - sum(found.values())
        return found

    def pause_events(self, record_ids: Iterable[str]) -> list[PauseEvent]:
        """The events of ``record_ids`` that may start or explain a pause, newest first."""
        wanted = set(record_ids)
        if not wanted:
            return []
        query = (
            select(EventRow.record_id, EventRow.type, EventRow.occurred_at, EventRow.data)
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


def _review_row(row: Any) -> ReviewRow:
    values = row._asdict()
    fields = values.pop("fields") or {}
    subject = fields.get("subject")
    return ReviewRow(
        **{k: v for k, v in values.items() if k != "updated_at"},
        subject=subject if isinstance(subject, str) and subject else None,
        last_activity=values["updated_at"],
    )
