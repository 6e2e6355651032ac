"""Every query of the insights: risk models, comment sentiment, and the milestones to learn from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from caseclock.store.bulk import among
from caseclock.store.models import (
    CommentSentimentRow,
    EventRow,
    MilestoneRow,
    RecordRow,
    RiskModelRow,
)

_SENTIMENTS = cast(Table, CommentSentimentRow.__table__)


@dataclass(frozen=True, slots=True)
class ClosedMilestone:
    """A milestone cycle that ended, with what training needs of it and of its record."""

    record_id: str
    key: str
    cycle: int
    state: str
    calendar: str | None
    basis: str
    started_at: datetime
    ended_at: datetime
    target_seconds: float
    elapsed_seconds: float
    breached: bool
    process_key: str
    process_version: int
    account_id: str | None


@dataclass(frozen=True, slots=True)
class OwnerSpan:
    """When a milestone was open and whose it was (for an owner's backlog at an instant)."""

    owner: str
    started_at: datetime
    ended_at: datetime | None  # None: still open


class RiskModelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: RiskModelRow) -> RiskModelRow:
        self.session.add(row)
        self.session.flush()
        return row

    def latest(self) -> RiskModelRow | None:
        return self.session.scalars(
            select(RiskModelRow).order_by(RiskModelRow.trained_at.desc(), RiskModelRow.id.desc())
        ).first()

    def recent(self, limit: int) -> Sequence[RiskModelRow]:
        return self.session.scalars(
            select(RiskModelRow)
            .order_by(RiskModelRow.trained_at.desc(), RiskModelRow.id.desc())
            .limit(limit)
        ).all()


class SentimentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(_SENTIMENTS), list(rows))

    def for_records(self, record_ids: Iterable[str]) -> dict[str, dict[str, CommentSentimentRow]]:
        """Each record's scored comments by their event's id, oldest first."""
        wanted = set(record_ids)
        found: dict[str, dict[str, CommentSentimentRow]] = {r: {} for r in wanted}
        if not wanted:
            return found
        rows = self.session.execute(
            select(EventRow.event_id, CommentSentimentRow)
            .join(EventRow, EventRow.seq == CommentSentimentRow.event_seq)
            .where(among(self.session, _SENTIMENTS.c.record_id, wanted))
            .order_by(CommentSentimentRow.occurred_at, CommentSentimentRow.event_seq)
        )
        for event_id, row in rows:
            found[row.record_id][event_id] = row
        return found

    def for_account(self, account_id: str, limit: int) -> Sequence[CommentSentimentRow]:
        """The account's latest scored comments, oldest first."""
        rows = self.session.scalars(
            select(CommentSentimentRow)
            .where(CommentSentimentRow.account_id == account_id)
            .order_by(CommentSentimentRow.occurred_at.desc(), CommentSentimentRow.event_seq.desc())
            .limit(limit)
        ).all()
        return list(reversed(rows))

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(_SENTIMENTS)) or 0)


class TrainingRepository:
    """The history a risk model learns from."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def closed_milestones(self) -> list[ClosedMilestone]:
        """Every ended cycle that ran with a target, on a record with a process, by start."""
        m, r = MilestoneRow, RecordRow
        rows = self.session.execute(
            select(
                m.record_id,
                m.key,
                m.cycle,
                m.state,
                m.calendar,
                m.basis,
                m.started_at,
                func.coalesce(m.completed_at, m.evaluated_at),
                m.target_seconds,
                m.elapsed_seconds,
                m.violated_at,
                m.late,
                r.process_key,
                r.process_version,
                r.account_id,
            )
            .join(r, r.id == m.record_id)
            .where(
                m.is_open.is_(False),
                m.started_at.is_not(None),
                m.target_seconds > 0,
                m.state.in_(("completed", "cancelled", "violated")),
                r.process_key.is_not(None),
                r.process_version.is_not(None),
            )
            .order_by(m.started_at, m.record_id, m.key, m.cycle)
        ).all()
        return [
            ClosedMilestone(
                record_id=row[0],
                key=row[1],
                cycle=row[2],
                state=row[3],
                calendar=row[4],
                basis=row[5],
                started_at=cast(datetime, row[6]),  # filtered: not null
                ended_at=row[7],
                target_seconds=float(cast(float, row[8])),
                elapsed_seconds=float(row[9]),
                breached=row[10] is not None or row[11] is True,
                process_key=row[12],
                process_version=int(row[13]),
                account_id=row[14],
            )
            for row in rows
        ]

    def owner_spans(self) -> list[OwnerSpan]:
        """Every started cycle that has an owner: when it was open (for backlogs)."""
        m = MilestoneRow
        ended = func.coalesce(m.completed_at, m.evaluated_at)
        rows = self.session.execute(
            select(m.owner, m.started_at, m.is_open, ended).where(
                m.owner.is_not(None), m.started_at.is_not(None)
            )
        ).all()
        return [
            OwnerSpan(cast(str, row[0]), cast(datetime, row[1]), None if row[2] else row[3])
            for row in rows
        ]

    def open_per_owner(self, owners: Iterable[str]) -> dict[str, int]:
        """How many started milestones each owner has open now."""
        wanted = set(owners)
        if not wanted:
            return {}
        m = MilestoneRow
        rows = self.session.execute(
            select(m.owner, func.count())
            .where(
                m.is_open.is_(True),
                m.started_at.is_not(None),
                among(self.session, cast(Table, m.__table__).c.owner, wanted),
            )
            .group_by(m.owner)
        ).all()
        return {cast(str, row[0]): int(row[1]) for row in rows}
