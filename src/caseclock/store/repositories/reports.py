"""Queries behind the console and its reports: what the at-risk board shows of each record,
filter choices, the rows reports aggregate, and what the worker fired on a record with its
deliveries.

The reports read closed and open milestone rows of a window in one query each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from caseclock.store.bulk import among
from caseclock.store.models import (
    AccountRow,
    DeliveryRow,
    EventRow,
    FiringRow,
    MilestoneRow,
    ProcessRow,
    RecordRow,
)

FIRING_LIMIT = 100
RECORDS = cast(Table, RecordRow.__table__)


@dataclass(frozen=True, slots=True)
class RecordBrief:
    """What the at-risk board shows of a record beside its milestone."""

    subject: str | None
    tier: str | None
    priority: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One milestone cycle as a report reads it (plain values)."""

    record_id: str
    key: str
    name: str
    state: str
    late: bool | None
    deadline: datetime | None
    completed_at: datetime | None
    started_at: datetime | None
    violated_at: datetime | None  # the first breach, kept when an override moves the deadline
    basis: str
    calendar: str | None
    elapsed_seconds: float
    team: str | None
    owner: str | None
    account_id: str | None
    tier: str | None
    calendar_version: int | None = None  # the version of ``calendar`` it was counted on


@dataclass(frozen=True, slots=True)
class OverrideRow:
    """One override event as a report reads it."""

    record_id: str
    occurred_at: datetime
    data: dict[str, Any]
    account_id: str | None


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def briefs(self, record_ids: Iterable[str]) -> dict[str, RecordBrief]:
        """Subject, tier, priority and status of the records, by id."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        query = select(
            RecordRow.id, RecordRow.fields, RecordRow.tier, RecordRow.priority, RecordRow.status
        ).where(among(self.session, RECORDS.c.id, wanted))
        return {
            row[0]: RecordBrief(_text((row[1] or {}).get("subject")), row[2], row[3], row[4])
            for row in self.session.execute(query).all()
        }

    def tiers(self) -> list[str]:
        rows = self.session.scalars(select(AccountRow.tier).distinct()).all()
        return sorted(t for t in rows if t)

    def accounts(self, scope: frozenset[str] | None) -> list[tuple[str, str]]:
        query = select(AccountRow.id, AccountRow.name).order_by(AccountRow.name)
        if scope is not None:
            query = query.where(AccountRow.id.in_(scope))
        return [(r.id, r.name) for r in self.session.execute(query).all()]

    def open_by_account(
        self, *, now: datetime, scope: frozenset[str] | None
    ) -> dict[str, tuple[int, int]]:
        """Per account: open milestones, and how many of them are violated at ``now``.

        "Violated" mirrors ``caseclock.core.standing.state_at`` in SQL (a running row whose
        deadline has come, the instant itself counting; tests/store/test_standing_sql.py holds
        the two to the same answers)."""
        overdue = or_(
            MilestoneRow.state == "violated",
            and_(
                MilestoneRow.state == "running",
                MilestoneRow.deadline.is_not(None),
                MilestoneRow.deadline <= now,
            ),
        )
        query = (
            select(
                MilestoneRow.account_id,
                func.count(),
                func.sum(case((overdue, 1), else_=0)),
            )
            .where(MilestoneRow.is_open.is_(True), MilestoneRow.account_id.is_not(None))
            .group_by(MilestoneRow.account_id)
        )
        if scope is not None:
            query = query.where(MilestoneRow.account_id.in_(scope) if scope else false())
        return {
            str(account): (int(total), int(late or 0))
            for account, total, late in self.session.execute(query).all()
        }

    def milestone_names(self) -> list[tuple[str, str]]:
        """(key, name) of every milestone definition of every process version."""
        seen: dict[str, str] = {}
        for document in self.session.scalars(select(ProcessRow.document)).all():
            for definition in document.get("milestones", []):
                key = definition.get("key")
                if isinstance(key, str) and key not in seen:
                    seen[key] = str(definition.get("name") or key.replace("_", " ").capitalize())
        return sorted(seen.items(), key=lambda item: item[1])

    def outcomes(
        self,
        *,
        since: datetime,
        until: datetime,
        scope: frozenset[str] | None,
        account: str | None = None,
    ) -> list[OutcomeRow]:
        """Milestone cycles decided, due or breached in ``[since, until)``: ended in the
        window, open with a deadline in it (an open one past its deadline is a violation), or
        breached in it (a breach stays one after an override moved the deadline)."""
        ended_in = and_(MilestoneRow.completed_at >= since, MilestoneRow.completed_at < until)
        due_in = and_(
            MilestoneRow.completed_at.is_(None),
            MilestoneRow.deadline >= since,
            MilestoneRow.deadline < until,
        )
        breached_in = and_(MilestoneRow.violated_at >= since, MilestoneRow.violated_at < until)
        query = (
            select(
                MilestoneRow.record_id,
                MilestoneRow.key,
                MilestoneRow.name,
                MilestoneRow.state,
                MilestoneRow.late,
                MilestoneRow.deadline,
                MilestoneRow.completed_at,
                MilestoneRow.started_at,
                MilestoneRow.violated_at,
                MilestoneRow.basis,
                MilestoneRow.calendar,
                MilestoneRow.elapsed_seconds,
                MilestoneRow.team,
                MilestoneRow.owner,
                MilestoneRow.account_id,
                RecordRow.tier,
                MilestoneRow.calendar_version,
            )
            .join(RecordRow, RecordRow.id == MilestoneRow.record_id)
            .where(or_(ended_in, due_in, breached_in))
        )
        if account is not None:
            query = query.where(MilestoneRow.account_id == account)
        if scope is not None:
            query = query.where(MilestoneRow.account_id.in_(scope) if scope else false())
        return [OutcomeRow(**row._asdict()) for row in self.session.execute(query).all()]

    def overrides(
        self,
        *,
        since: datetime,
        until: datetime,
        scope: frozenset[str] | None,
        account: str | None = None,
    ) -> list[OverrideRow]:
        """Override events that took effect in ``[since, until)``, newest first."""
        query = (
            select(EventRow.record_id, EventRow.occurred_at, EventRow.data, RecordRow.account_id)
            .join(RecordRow, RecordRow.id == EventRow.record_id)
            .where(
                EventRow.type == "override",
                EventRow.occurred_at >= since,
                EventRow.occurred_at < until,
            )
            .order_by(EventRow.occurred_at.desc(), EventRow.seq.desc())
        )
        if account is not None:
            query = query.where(RecordRow.account_id == account)
        if scope is not None:
            query = query.where(RecordRow.account_id.in_(scope) if scope else false())
        return [OverrideRow(**row._asdict()) for row in self.session.execute(query).all()]

    def reopened(
        self, *, since: datetime, until: datetime, scope: frozenset[str] | None
    ) -> set[str]:
        """The records reopened (a ``reopened`` event) in ``[since, until)``."""
        query = (
            select(EventRow.record_id)
            .join(RecordRow, RecordRow.id == EventRow.record_id)
            .where(
                EventRow.type == "reopened",
                EventRow.occurred_at >= since,
                EventRow.occurred_at < until,
            )
            .distinct()
        )
        if scope is not None:
            query = query.where(RecordRow.account_id.in_(scope) if scope else false())
        return set(self.session.scalars(query).all())

    def firings(self, record_id: str) -> Sequence[FiringRow]:
        """The timers the worker fired (or skipped) on a record, newest first."""
        return self.session.scalars(
            select(FiringRow)
            .where(FiringRow.record_id == record_id)
            .order_by(FiringRow.fired_at.desc(), FiringRow.id.desc())
            .limit(FIRING_LIMIT)
        ).all()

    def deliveries(self, record_id: str) -> Sequence[DeliveryRow]:
        """The outbox rows of a record's firings (webhook, chat, email), oldest first."""
        return self.session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.record_id == record_id)
            .order_by(DeliveryRow.id)
            .limit(FIRING_LIMIT * 4)
        ).all()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
