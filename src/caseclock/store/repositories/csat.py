"""Queries of customer satisfaction: storing answers with who they are credited to, the
aggregates reports and reviews read, and the key that signs survey links."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Select, Table, and_, case, false, func, select
from sqlalchemy.orm import Session

from caseclock.store.bulk import insert_rows
from caseclock.store.models import CsatRow, MilestoneRow, RecordRow, SigningKeyRow

CSAT = cast(Table, CsatRow.__table__)
KEYS = cast(Table, SigningKeyRow.__table__)
Dimension = Literal["milestone", "tier", "team", "owner"]
_COLUMNS: dict[str, Any] = {
    "milestone": CsatRow.milestone,
    "tier": CsatRow.tier,
    "team": CsatRow.team,
    "owner": CsatRow.owner,
}


@dataclass(frozen=True, slots=True)
class CsatCounts:
    """Answers of one group: how many, how many satisfied, the average share of the scale."""

    label: str | None
    answers: int
    satisfied: int
    average: float | None  # 0 (the lowest score) to 1 (the highest)


@dataclass(frozen=True, slots=True)
class CsatAnswer:
    """One answer as a trend reads it."""

    answered_at: datetime
    satisfied: bool
    share: float
    team: str | None
    tier: str | None


@dataclass(frozen=True, slots=True)
class CsatFilter:
    """Which answers: ``[since, until)``, the reader's accounts (None: all), one account, one
    team."""

    since: datetime
    until: datetime
    scope: frozenset[str] | None
    account: str | None = None
    team: str | None = None
    tiers: frozenset[str] | None = None  # a high-priority review's tiers


class CsatRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store answers; one already stored (the same record and event id) is left alone."""
        if rows:
            insert_rows(self.session, CSAT, rows, ignore_conflicts_on=("record_id", "event_id"))

    def credit(
        self, wanted: Iterable[tuple[str, str | None, int | None]]
    ) -> dict[tuple[str, str | None, int | None], dict[str, Any]]:
        """Who each (record, milestone, cycle) is credited to: the milestone row's team and
        owner (its latest cycle when none is given), else the record's; with the record's tier
        and account."""
        keys = set(wanted)
        records = {k[0] for k in keys}
        if not records:
            return {}
        found: dict[tuple[str, str | None, int | None], dict[str, Any]] = {}
        base = {
            row.id: {
                "team": row.team,
                "owner": row.owner,
                "tier": row.tier,
                "account_id": row.account_id,
            }
            for row in self.session.execute(
                select(
                    RecordRow.id,
                    RecordRow.team,
                    RecordRow.owner,
                    RecordRow.tier,
                    RecordRow.account_id,
                ).where(RecordRow.id.in_(sorted(records)))
            ).all()
        }
        milestones: dict[tuple[str, str], list[tuple[int, str | None, str | None]]] = {}
        named = {(k[0], k[1]) for k in keys if k[1] is not None}
        if named:
            query = select(
                MilestoneRow.record_id,
                MilestoneRow.key,
                MilestoneRow.cycle,
                MilestoneRow.team,
                MilestoneRow.owner,
            ).where(MilestoneRow.record_id.in_(sorted({r for r, _ in named})))
            for row in self.session.execute(query).all():
                milestones.setdefault((row.record_id, row.key), []).append(
                    (row.cycle, row.team, row.owner)
                )
        for wanted_key in keys:
            record_id, milestone, cycle = wanted_key
            credit = dict(base.get(record_id, {}))
            cycles = sorted(milestones.get((record_id, milestone or ""), []))
            chosen = [c for c in cycles if cycle is None or c[0] == cycle]
            if chosen:
                credit["team"] = chosen[-1][1] or credit.get("team")
                credit["owner"] = chosen[-1][2] or credit.get("owner")
            found[wanted_key] = credit
        return found

    def _where(self, query: Select[Any], given: CsatFilter) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = [
            CsatRow.answered_at >= given.since,
            CsatRow.answered_at < given.until,
        ]
        if given.account is not None:
            conditions.append(CsatRow.account_id == given.account)
        if given.team is not None:
            conditions.append(CsatRow.team == given.team)
        if given.scope is not None:
            conditions.append(
                CsatRow.account_id.in_(sorted(given.scope)) if given.scope else false()
            )
        if given.tiers is not None:
            conditions.append(CsatRow.tier.in_(sorted(given.tiers)) if given.tiers else false())
        return query.where(and_(*conditions))

    def totals(self, given: CsatFilter, by: Dimension | None = None) -> list[CsatCounts]:
        """Answers counted in SQL, overall (``by`` None) or grouped by a dimension."""
        satisfied = func.sum(case((CsatRow.satisfied.is_(True), 1), else_=0))
        label = _COLUMNS[by] if by is not None else None
        columns: list[Any] = [func.count(), satisfied, func.avg(CsatRow.share)]
        query = select(*(([label] if label is not None else []) + columns))
        query = self._where(query.select_from(CsatRow), given)
        if label is not None:
            query = query.group_by(label)
        found = []
        for row in self.session.execute(query).all():
            values = tuple(row)
            name, rest = (values[0], values[1:]) if label is not None else (None, values)
            count, met, average = rest
            found.append(
                CsatCounts(
                    name, int(count), int(met or 0), None if average is None else float(average)
                )
            )
        return found

    def answers(self, given: CsatFilter) -> list[CsatAnswer]:
        """The period's answers, for trends by week (a few columns each)."""
        columns = (CsatRow.answered_at, CsatRow.satisfied, CsatRow.share, CsatRow.team)
        query = cast("Select[Any]", select(*columns, CsatRow.tier).select_from(CsatRow))
        query = self._where(query, given).order_by(CsatRow.answered_at)
        return [CsatAnswer(*row) for row in self.session.execute(query).all()]

    def latest(self, given: CsatFilter, *, limit: int) -> Sequence[CsatRow]:
        """The newest answers with a comment, for reading what customers said."""
        query = self._where(select(CsatRow), given).where(
            and_(CsatRow.comment.is_not(None), CsatRow.comment != "")
        )
        return self.session.scalars(
            query.order_by(CsatRow.answered_at.desc(), CsatRow.id.desc()).limit(limit)
        ).all()

    def signing_key(self, purpose: str, *, now: datetime) -> str:
        """The secret kept for ``purpose``, made on first use (the first writer's wins)."""
        found = self.session.get(SigningKeyRow, purpose)
        if found is not None:
            return found.secret
        made = {"purpose": purpose, "secret": secrets.token_urlsafe(48), "created_at": now}
        insert_rows(self.session, KEYS, [made], ignore_conflicts_on=("purpose",))
        secret = self.session.scalar(
            select(SigningKeyRow.secret).where(SigningKeyRow.purpose == purpose)
        )
        if secret is None:  # pragma: no cover - the insert above or a concurrent one made it
            raise RuntimeError(f"no signing key for {purpose}")
        return secret
