"""Inbound webhook deliveries caseclock could not turn into events, kept for inspection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class InboundPayloadRow(Base):
    """One delivery of an inbound source that was not (wholly) mapped: why, and what came.

    Unique per (source, delivery id): a replayed delivery is kept once."""

    __tablename__ = "inbound_payloads"
    __table_args__ = (UniqueConstraint("source", "delivery_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(50))
    delivery_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reason: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    body: Mapped[str] = mapped_column(Text)
