"""Milestone reviews: one row per review sent (or being sent), and the marks leads leave.

* ``review_runs``: unique per ``(team, cadence, period_start)``. A worker claims a period by
  inserting its row; a second worker's insert fails on the unique key, so each period's digest
  is sent by one worker. ``lease_until`` lets another worker take over a claim whose worker died
  before it recorded the sending.
* ``review_marks``: a lead's "reviewed" on one milestone cycle, with a note the next review
  shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import UTCDateTime


class ReviewRunRow(Base):
    """One review period of one team: claimed, then sent (or failed with the reason)."""

    __tablename__ = "review_runs"
    __table_args__ = (UniqueConstraint("team", "cadence", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    cadence: Mapped[str] = mapped_column(String(20))  # weekly or daily
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))  # claimed, sent, failed
    claimed_by: Mapped[str] = mapped_column(String(200))
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)


class ReviewMarkRow(Base):
    """A milestone cycle marked reviewed by a lead, with a note."""

    __tablename__ = "review_marks"
    __table_args__ = (Index("ix_review_marks_team_at", "team", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    record_id: Mapped[str] = mapped_column(String(200))
    milestone: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
