"""What the insights keep: trained risk models with their evaluation, and comment sentiment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class RiskModelRow(Base):
    """One trained breach-risk model: its parameters (``core.insights.risk.RiskModel`` as JSON),
    the period it learned from and its evaluation on the later period it never saw. The newest
    row is the one that scores."""

    __tablename__ = "risk_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trained_from: Mapped[datetime] = mapped_column(UTCDateTime())
    trained_to: Mapped[datetime] = mapped_column(UTCDateTime())  # also where the test begins
    tested_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_milestones: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(20))  # command, worker
    model: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONDocument())


class CommentSentimentRow(Base):
    """The sentiment of one customer comment, scored when the event was stored."""

    __tablename__ = "comment_sentiments"
    __table_args__ = (
        Index("ix_comment_sentiments_record_id_occurred_at", "record_id", "occurred_at"),
    )

    event_seq: Mapped[int] = mapped_column(
        ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[int] = mapped_column(Integer)
    drivers: Mapped[list[Any]] = mapped_column(JSONDocument())  # [[word, valence], ...]
    cues: Mapped[list[Any]] = mapped_column(JSONDocument())  # [[rule, words], ...]
