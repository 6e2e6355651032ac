"""Queries of "who held the clocks": which completed cycles still need analysing, storing what
their analysis found, and the period's sums by team, owner, pausing agent, pause team and
reason, in SQL over the whole period and the reader's scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from caseclock.store.bulk import insert_rows
from caseclock.store.models import CycleAnalysisRow, CycleHoldingRow, MilestoneRow, RecordRow

ANALYSES = cast(Table, CycleAnalysisRow.__table__)
HOLDINGS = cast(Table, CycleHoldingRow.__table__)
Key = tuple[str, str, int]  # record, milestone, cycle
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class Pending:
    """A completed cycle whose analysis is missing or older than its row or its record."""

    record_id: str
    milestone: str
    cycle: int
    digest: str
    completed_at: datetime
    account_id: str | None
    team: str | None
    event_count: int


@dataclass(frozen=True, slots=True)
class HolderSum:
    label: str | None
    milestones: int
    seconds: float
    average_share: float | None


@dataclass(frozen=True, slots=True)
class PauseSum:
    label: str | None
    count: int
    seconds: float
    flagged: int
    beyond_seconds: float


@dataclass(frozen=True, slots=True)
class FlaggedPause:
    record_id: str
    milestone: str
    started_at: datetime | None
    by: str | None
    reason: str | None
    seconds: float
    after_reply_seconds: float | None


@dataclass(frozen=True, slots=True)
class Window:
    """Completions in ``[since, until)``, of the reader's accounts (None: every account)."""

    since: datetime
    until: datetime
    scope: frozenset[str] | None


def _scoped(column: Any, scope: frozenset[str] | None) -> ColumnElement[bool] | None:
    if scope is None:
        return None
    return column.in_(sorted(scope)) if scope else false()


class HoldingsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _pending_query(self, window: Window) -> Select[*tuple[Any, ...]]:
        analysed = and_(
            CycleAnalysisRow.record_id == MilestoneRow.record_id,
            CycleAnalysisRow.milestone == MilestoneRow.key,
            CycleAnalysisRow.cycle == MilestoneRow.cycle,
        )
        query = (
            select(
                MilestoneRow.record_id,
                MilestoneRow.key,
                MilestoneRow.cycle,
                MilestoneRow.digest,
                MilestoneRow.completed_at,
                MilestoneRow.account_id,
                MilestoneRow.team,
                RecordRow.event_count,
            )
            .join(RecordRow, RecordRow.id == MilestoneRow.record_id)
            .outerjoin(CycleAnalysisRow, analysed)
            .where(
                MilestoneRow.state == "completed",
                MilestoneRow.completed_at >= window.since,
                MilestoneRow.completed_at < window.until,
                or_(
                    CycleAnalysisRow.digest.is_(None),
                    CycleAnalysisRow.digest != MilestoneRow.digest,
                    CycleAnalysisRow.event_count != RecordRow.event_count,
                ),
            )
        )
        scoped = _scoped(MilestoneRow.account_id, window.scope)
        return query if scoped is None else query.where(scoped)

    def pending(self, window: Window, *, limit: int) -> list[Pending]:
        """Completed cycles of the window not analysed at their current digest, the latest
        completions first."""
        query = self._pending_query(window).order_by(MilestoneRow.completed_at.desc())
        return [Pending(*row) for row in self.session.execute(query.limit(limit)).all()]

    def pending_count(self, window: Window) -> int:
        query = select(func.count()).select_from(self._pending_query(window).subquery())
        return int(self.session.scalar(query) or 0)

    def completed_count(self, window: Window) -> int:
        query = select(func.count()).where(
            MilestoneRow.state == "completed",
            MilestoneRow.completed_at >= window.since,
            MilestoneRow.completed_at < window.until,
        )
        scoped = _scoped(MilestoneRow.account_id, window.scope)
        return int(self.session.scalar(query if scoped is None else query.where(scoped)) or 0)

    def replace(
        self,
        keys: Sequence[Key],
        analyses: Sequence[dict[str, Any]],
        parts: Sequence[dict[str, Any]],
    ) -> None:
        """Forget what was kept of the cycles ``keys``, and keep their new analyses."""
        if not keys:
            return
        wanted = tuple_(HOLDINGS.c.record_id, HOLDINGS.c.milestone, HOLDINGS.c.cycle).in_(keys)
        self.session.execute(delete(HOLDINGS).where(wanted))
        again = tuple_(ANALYSES.c.record_id, ANALYSES.c.milestone, ANALYSES.c.cycle).in_(keys)
        self.session.execute(delete(ANALYSES).where(again))
        insert_rows(self.session, ANALYSES, analyses)
        insert_rows(self.session, HOLDINGS, parts)

    def _in_window(self, query: Q, window: Window) -> Q:
        joined = query.join(
            CycleAnalysisRow,
            and_(
                CycleAnalysisRow.record_id == CycleHoldingRow.record_id,
                CycleAnalysisRow.milestone == CycleHoldingRow.milestone,
                CycleAnalysisRow.cycle == CycleHoldingRow.cycle,
            ),
        ).where(
            CycleAnalysisRow.completed_at >= window.since,
            CycleAnalysisRow.completed_at < window.until,
        )
        scoped = _scoped(CycleAnalysisRow.account_id, window.scope)
        return joined if scoped is None else joined.where(scoped)

    def holders(self, window: Window, kind: str) -> list[HolderSum]:
        """Per team (or owner): the cycles held, the seconds, the average share of target."""
        query = select(
            CycleHoldingRow.name,
            func.count(),
            func.sum(CycleHoldingRow.seconds),
            func.avg(CycleHoldingRow.share),
        ).where(CycleHoldingRow.kind == kind)
        query = self._in_window(query, window).group_by(CycleHoldingRow.name)
        return [
            HolderSum(
                name, int(count), float(seconds or 0), None if share is None else float(share)
            )
            for name, count, seconds, share in self.session.execute(query).all()
        ]

    def pauses(self, window: Window, by: str) -> list[PauseSum]:
        """Pauses of the window's cycles summed by ``by`` (name: who paused, team, reason)."""
        column = {"agent": CycleHoldingRow.name, "team": CycleHoldingRow.team}.get(
            by, CycleHoldingRow.reason
        )
        query = select(
            column,
            func.count(),
            func.sum(CycleHoldingRow.seconds),
            func.sum(case((CycleHoldingRow.flagged.is_(True), 1), else_=0)),
            func.sum(CycleHoldingRow.beyond_seconds),
        ).where(CycleHoldingRow.kind == "pause")
        query = self._in_window(query, window).group_by(column)
        found = []
        for row in self.session.execute(query).all():
            label, count, seconds, flagged, beyond = tuple(row)
            found.append(
                PauseSum(
                    label, int(count), float(seconds or 0), int(flagged or 0), float(beyond or 0)
                )
            )
        return found

    def flagged(self, window: Window, *, limit: int) -> list[FlaggedPause]:
        """The latest pauses begun soon after a customer's reply."""
        query = select(
            CycleHoldingRow.record_id,
            CycleHoldingRow.milestone,
            CycleHoldingRow.started_at,
            CycleHoldingRow.name,
            CycleHoldingRow.reason,
            CycleHoldingRow.seconds,
            CycleHoldingRow.after_reply_seconds,
        ).where(CycleHoldingRow.kind == "pause", CycleHoldingRow.flagged.is_(True))
        query = self._in_window(query, window).order_by(CycleHoldingRow.started_at.desc())
        return [FlaggedPause(*row) for row in self.session.execute(query.limit(limit)).all()]

    def criteria(self, window: Window) -> tuple[int, int]:
        """Completions of definitions with criteria in the window, and how many met them."""
        query = select(
            func.sum(case((CycleAnalysisRow.with_criteria.is_(True), 1), else_=0)),
            func.sum(case((CycleAnalysisRow.met_criteria.is_(True), 1), else_=0)),
        ).where(
            CycleAnalysisRow.completed_at >= window.since,
            CycleAnalysisRow.completed_at < window.until,
        )
        scoped = _scoped(CycleAnalysisRow.account_id, window.scope)
        row = self.session.execute(query if scoped is None else query.where(scoped)).one()
        return int(row[0] or 0), int(row[1] or 0)
