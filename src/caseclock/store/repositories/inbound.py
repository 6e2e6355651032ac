"""Queries over the inbound deliveries kept for inspection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from caseclock.store.bulk import insert_rows
from caseclock.store.models import InboundPayloadRow

PAYLOADS = cast(Table, InboundPayloadRow.__table__)


class InboundPayloadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keep(self, row: Mapping[str, Any]) -> bool:
        """Store a delivery; False when this source's delivery id is stored already."""
        inserted = insert_rows(
            self.session,
            PAYLOADS,
            [row],
            ignore_conflicts_on=("source", "delivery_id"),
            returning="id",
        )
        return bool(inserted)

    def latest(self, *, source: str | None, limit: int) -> Sequence[InboundPayloadRow]:
        query = select(InboundPayloadRow)
        if source is not None:
            query = query.where(InboundPayloadRow.source == source)
        query = query.order_by(InboundPayloadRow.received_at.desc(), InboundPayloadRow.id.desc())
        return self.session.scalars(query.limit(limit)).all()
