"""Queries over escalation rule sets and the per-record escalation timers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from caseclock.store.bulk import among, insert_rows, update_rows
from caseclock.store.models import (
    EscalationRuleSetRow,
    EscalationTimerKind,
    EscalationTimerRow,
    EventRow,
    RecordRow,
)
from caseclock.store.repositories.records import EVENTS

TIMERS = cast(Table, EscalationTimerRow.__table__)


class EscalationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_rules(self) -> EscalationRuleSetRow | None:
        return self.session.scalars(
            select(EscalationRuleSetRow).order_by(EscalationRuleSetRow.id.desc()).limit(1)
        ).one_or_none()

    def add_rules(self, row: EscalationRuleSetRow) -> EscalationRuleSetRow:
        self.session.add(row)
        self.session.flush()
        return row

    def rule_timers(self, record_ids: Iterable[str]) -> dict[tuple[str, str], Mapping[str, Any]]:
        """The escalation rules' timers: ``id``, ``basis``, ``due_at`` by (record, rule)."""
        rows = self._timers(record_ids, EscalationTimerKind.RULE)
        return {(r["record_id"], r["rule"]): r for r in rows}

    def answer_timers(self, record_ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
        """The customers' answers waiting for the worker: ``id``, ``basis``, ``due_at`` by
        record."""
        rows = self._timers(record_ids, EscalationTimerKind.ANSWERED)
        return {r["record_id"]: r for r in rows}

    def _timers(
        self, record_ids: Iterable[str], kind: EscalationTimerKind
    ) -> Sequence[Mapping[str, Any]]:
        wanted = set(record_ids)
        if not wanted:
            return []
        columns = TIMERS.c
        query = select(
            columns.id, columns.record_id, columns.rule, columns.basis, columns.due_at
        ).where(among(self.session, columns.record_id, wanted), columns.kind == kind.value)
        return [dict(row) for row in self.session.execute(query).mappings().all()]

    def write(
        self,
        inserts: Sequence[Mapping[str, Any]],
        updates: Sequence[tuple[int, datetime, datetime | None]],
        deletes: Sequence[int],
    ) -> None:
        """Insert ``{record_id, kind, rule, basis, due_at}``; set ``(id, basis, due_at)``; delete
        ids."""
        if deletes:
            self.session.execute(delete(TIMERS).where(among(self.session, TIMERS.c.id, deletes)))
        insert_rows(self.session, TIMERS, inserts)
        update_rows(
            self.session, TIMERS, [{"id": i, "basis": b, "due_at": d} for i, b, d in updates]
        )

    def last_activity(self, record_ids: Iterable[str], own_source: str) -> dict[str, datetime]:
        """Per record, the instant of its latest event from another source than
        ``own_source`` (caseclock's own actions)."""
        wanted = set(record_ids)
        if not wanted:
            return {}
        rows = self.session.execute(
            select(EventRow.record_id, func.max(EventRow.occurred_at))
            .where(
                among(self.session, EVENTS.c.record_id, wanted),
                EventRow.source != own_source,
            )
            .group_by(EventRow.record_id)
        ).all()
        return {row[0]: row[1] for row in rows}

    def open_record_ids(self, after: str | None, limit: int) -> Sequence[str]:
        """Open records' ids in id order after ``after``: for rescheduling every record."""

        query = select(RecordRow.id).where(RecordRow.is_closed.is_(False))
        if after is not None:
            query = query.where(RecordRow.id > after)
        return self.session.scalars(query.order_by(RecordRow.id).limit(limit)).all()
