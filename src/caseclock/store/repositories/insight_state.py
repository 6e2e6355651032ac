"""Insights kept between readings: stored milestone risk, the records changed since their
insights were worked out, priority suggestions and handoff summaries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from caseclock.store.bulk import among, insert_rows, is_postgres
from caseclock.store.models import (
    HandoffSummaryRow,
    InsightChangeRow,
    MilestoneRiskRow,
    MilestoneRow,
    PrioritySuggestionRow,
)

_RISKS = cast(Table, MilestoneRiskRow.__table__)
_CHANGES = cast(Table, InsightChangeRow.__table__)
_SUGGESTIONS = cast(Table, PrioritySuggestionRow.__table__)
_SUMMARIES = cast(Table, HandoffSummaryRow.__table__)
_MILESTONES = cast(Table, MilestoneRow.__table__)


class InsightChangeRepository:
    """The records whose insights are to be worked out again."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def note(self, record_ids: Iterable[str], at: datetime) -> None:
        """Note the records as changed at ``at``; a record noted already takes the later
        instant, so a worker that took it before this change does not forget it (see
        ``forget``). Rows go in id order, as ingestion locks records."""
        rows = [{"record_id": r, "changed_at": at} for r in sorted(set(record_ids))]
        if not rows:
            return
        dialect = postgresql if is_postgres(self.session) else sqlite
        statement = dialect.insert(_CHANGES)
        pick = func.greatest if is_postgres(self.session) else func.max  # SQLite's max(a, b)
        later: ColumnElement[Any] = pick(_CHANGES.c.changed_at, statement.excluded.changed_at)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["record_id"], set_={"changed_at": later}
            ),
            rows,
        )

    def oldest(self, limit: int) -> list[tuple[str, datetime]]:
        """The records changed longest ago, with the instant noted."""
        rows = self.session.execute(
            select(_CHANGES.c.record_id, _CHANGES.c.changed_at)
            .order_by(_CHANGES.c.changed_at, _CHANGES.c.record_id)
            .limit(limit)
        ).all()
        return [(record_id, changed_at) for record_id, changed_at in rows]

    def forget(self, taken: Sequence[tuple[str, datetime]]) -> None:
        """Forget the records taken, unless noted again since (kept for the next pass)."""
        for record_id, changed_at in taken:
            self.session.execute(
                delete(_CHANGES).where(
                    _CHANGES.c.record_id == record_id, _CHANGES.c.changed_at <= changed_at
                )
            )

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(_CHANGES)) or 0)


class RiskStoreRepository:
    """The stored risk of open milestones."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, record_ids: Iterable[str], rows: Sequence[Mapping[str, Any]]) -> None:
        """Make the records' stored risks exactly ``rows``."""
        wanted = set(record_ids)
        if wanted:
            self.session.execute(
                delete(_RISKS).where(among(self.session, _RISKS.c.record_id, wanted))
            )
        insert_rows(self.session, _RISKS, rows)

    def aged(self, before: datetime, limit: int) -> list[str]:
        """Records with an open milestone whose risk was scored before ``before``, the
        oldest first (read from the ``scored_at`` index)."""
        rows = self.session.execute(
            select(_RISKS.c.record_id, _RISKS.c.scored_at)
            .join(_MILESTONES, _MILESTONES.c.id == _RISKS.c.milestone_id)
            .where(_RISKS.c.scored_at < before, _MILESTONES.c.is_open.is_(True))
            .order_by(_RISKS.c.scored_at)
            .limit(limit)
        ).all()
        return list(dict.fromkeys(record_id for record_id, _ in rows))

    def for_records(self, record_ids: Iterable[str]) -> dict[int, MilestoneRiskRow]:
        """The stored risks of the records' milestones, by milestone id."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(MilestoneRiskRow).where(among(self.session, _RISKS.c.record_id, wanted))
        )
        return {row.milestone_id: row for row in rows}


class SuggestionRepository:
    """Priority suggestions and what became of them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open_for(self, record_ids: Iterable[str]) -> dict[str, PrioritySuggestionRow]:
        """Each record's open suggestion (at most one), by record."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(PrioritySuggestionRow).where(
                among(self.session, _SUGGESTIONS.c.record_id, wanted),
                PrioritySuggestionRow.state == "open",
            )
        )
        return {row.record_id: row for row in rows}

    def latest_for(self, record_id: str) -> PrioritySuggestionRow | None:
        """The record's newest suggestion, whatever became of it."""
        return self.session.scalars(
            select(PrioritySuggestionRow)
            .where(PrioritySuggestionRow.record_id == record_id)
            .order_by(PrioritySuggestionRow.id.desc())
            .limit(1)
        ).first()

    def get(self, suggestion_id: int) -> PrioritySuggestionRow | None:
        return self.session.get(PrioritySuggestionRow, suggestion_id)

    def add(self, row: PrioritySuggestionRow) -> PrioritySuggestionRow:
        self.session.add(row)
        self.session.flush()
        return row

    def supersede(self, record_id: str, at: datetime) -> None:
        """Close the record's open suggestion: the record changed and it no longer holds."""
        self.session.execute(
            update(_SUGGESTIONS)
            .where(and_(_SUGGESTIONS.c.record_id == record_id, _SUGGESTIONS.c.state == "open"))
            .values(state="superseded", decided_at=at)
        )

    def breaches_since(self, account_ids: Iterable[str], since: datetime) -> dict[str, int]:
        """How many milestones of each account breached since ``since``."""
        wanted = set(account_ids)
        if not wanted:
            return {}
        m = _MILESTONES.c
        rows = self.session.execute(
            select(m.account_id, func.count())
            .where(among(self.session, m.account_id, wanted), m.violated_at >= since)
            .group_by(m.account_id)
        ).all()
        return {account_id: int(count) for account_id, count in rows}

    def dismissed(self, record_id: str, suggested: str, current: str | None) -> bool:
        """Whether the same suggestion (to ``suggested`` from ``current``) was dismissed."""
        found = self.session.scalars(
            select(PrioritySuggestionRow.id).where(
                PrioritySuggestionRow.record_id == record_id,
                PrioritySuggestionRow.state == "dismissed",
                PrioritySuggestionRow.suggested == suggested,
                PrioritySuggestionRow.current == current
                if current is not None
                else PrioritySuggestionRow.current.is_(None),
            )
        ).first()
        return found is not None


class SummaryRepository:
    """The handoff summary last written for each record."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, record_id: str) -> HandoffSummaryRow | None:
        return self.session.get(HandoffSummaryRow, record_id)

    def texts(self, record_ids: Iterable[str]) -> dict[str, str]:
        """The records' summary texts, by record (the records without one are left out)."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(_SUMMARIES.c.record_id, _SUMMARIES.c.text).where(
                among(self.session, _SUMMARIES.c.record_id, wanted)
            )
        ).all()
        return {str(row[0]): str(row[1]) for row in rows}

    def put(self, values: Mapping[str, Any]) -> None:
        """Store a record's summary in place of the one before."""
        self.session.execute(
            delete(_SUMMARIES).where(_SUMMARIES.c.record_id == values["record_id"])
        )
        insert_rows(self.session, _SUMMARIES, [dict(values)])
