"""Who held the clocks, kept per completed milestone cycle: what ``core.dwell``,
``core.pause_audit`` and ``core.success_criteria`` found in its record's timeline, so Reports
sum a whole period in SQL instead of replaying records.

* ``cycle_analyses``: one row per completed cycle analysed, with the milestone row's digest
  and the record's event count then (a changed row or a new event, a late one included, has
  the cycle analysed again), its completion, account and team, and whether it met its
  success criteria.
* ``cycle_holdings``: the cycle's parts: ``team`` and ``owner`` holdings (counted seconds, the
  share of the target) and its ``pause`` entries (who, team, why, seconds kept off the clock,
  seconds beyond the pause cap, flagged soon after a customer's reply).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import UTCDateTime


class CycleAnalysisRow(Base):
    __tablename__ = "cycle_analyses"
    __table_args__ = (Index("ix_cycle_analyses_completed_at", "completed_at"),)

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    milestone: Mapped[str] = mapped_column(String(100), primary_key=True)
    cycle: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(32))
    event_count: Mapped[int] = mapped_column(Integer)  # the record's events when analysed
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    with_criteria: Mapped[bool] = mapped_column(Boolean)
    met_criteria: Mapped[bool] = mapped_column(Boolean)


class CycleHoldingRow(Base):
    __tablename__ = "cycle_holdings"
    __table_args__ = (
        Index("ix_cycle_holdings_record_id_milestone_cycle", "record_id", "milestone", "cycle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    milestone: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # team, owner or pause
    name: Mapped[str | None] = mapped_column(String(200))  # the team, the owner, who paused
    team: Mapped[str | None] = mapped_column(String(200))  # a pause's team
    reason: Mapped[str | None] = mapped_column(String(300))  # a pause's why
    seconds: Mapped[float] = mapped_column(Float)
    share: Mapped[float | None] = mapped_column(Float)  # of the target (holdings)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a pause's start
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    after_reply_seconds: Mapped[float | None] = mapped_column(Float)
    beyond_seconds: Mapped[float] = mapped_column(Float, default=0.0)
