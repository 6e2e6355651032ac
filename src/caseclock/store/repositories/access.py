"""Queries over API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from caseclock.store.models import ApiKeyRow


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, key_hash: str) -> ApiKeyRow | None:
        return self.session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash)
        ).one_or_none()

    def list(self) -> Sequence[ApiKeyRow]:
        return self.session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)).all()

    def by_name(self, name: str) -> Sequence[ApiKeyRow]:
        return self.session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.name == name).order_by(ApiKeyRow.id)
        ).all()

    def add(self, row: ApiKeyRow) -> ApiKeyRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, key_id: int) -> ApiKeyRow | None:
        return self.session.get(ApiKeyRow, key_id)

    def for_user(self, user_id: int) -> Sequence[ApiKeyRow]:
        return self.session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.user_id == user_id).order_by(ApiKeyRow.id)
        ).all()

    def revoke_for_user(self, user_id: int, *, now: datetime) -> int:
        result = self.session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.user_id == user_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)
