"""Queries over the audit trail: insert, and read newest first with filters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseclock.store.models import AuditRow


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: AuditRow) -> AuditRow:
        self.session.add(row)
        self.session.flush()
        return row

    def list(
        self,
        *,
        actor: str | None,
        kind: str | None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[AuditRow]:
        """Newest first; ``before_id`` continues a page."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        return self.session.scalars(query).all()

    def any_by_others(self, kinds: Collection[str], actor: str) -> bool:
        """Whether a row of one of ``kinds`` was written by someone other than ``actor``."""
        query = select(AuditRow.id).where(AuditRow.kind.in_(kinds), AuditRow.actor != actor)
        return self.session.scalar(query.limit(1)) is not None
