"""What the insights keep: trained risk models with their evaluation, and comment sentiment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
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


class MilestoneRiskRow(Base):
    """The breach risk of one open milestone as last scored: the key "highest risk first"
    sorts the whole at-risk queue by. Scored again by the worker when its record changes
    (``InsightChangeRow``) and once it is older than the refresh age or the newest model."""

    __tablename__ = "milestone_risks"
    __table_args__ = (
        Index("ix_milestone_risks_probability_milestone_id", "probability", "milestone_id"),
        Index("ix_milestone_risks_scored_at", "scored_at"),
    )

    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("milestones.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    probability: Mapped[float | None] = mapped_column(Float)  # none: no figure (why: status)
    status: Mapped[str] = mapped_column(String(40))  # scored, no model, not enough history
    reasons: Mapped[list[Any]] = mapped_column(JSONDocument())
    model_id: Mapped[int | None] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InsightChangeRow(Base):
    """A record changed since its insights (risk, priority suggestion, summary) were worked
    out: ingestion notes it, the worker takes it and works them out again."""

    __tablename__ = "insight_changes"

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PrioritySuggestionRow(Base):
    """A priority suggested for a record, with its reasons, and what became of it: ``open``
    until someone accepts or dismisses it, ``applied`` when a policy let it apply itself,
    ``superseded`` when the record changed so that another suggestion (or none) replaced it."""

    __tablename__ = "priority_suggestions"
    __table_args__ = (Index("ix_priority_suggestions_record_id_state", "record_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    current: Mapped[str | None] = mapped_column(String(50))
    suggested: Mapped[str] = mapped_column(String(50))
    reasons: Mapped[list[Any]] = mapped_column(JSONDocument())
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    event_id: Mapped[str | None] = mapped_column(String(200))  # the event recording it


class HandoffSummaryRow(Base):
    """A record's handoff summary as last written (by the configured provider, or the
    extractive one with the reason the provider was not used), for emails and the console."""

    __tablename__ = "handoff_summaries"

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20))  # provider, extractive
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(500))  # why the provider's prose is not used
