"""Milestone reviews: one row per review sent (or being sent), and the marks leads leave.

* ``review_runs``: unique per ``(team, cadence, period_start)``. A worker claims a period by
  inserting its row; a second worker's insert fails on the unique key, so each period's digest
  is sent by one worker. ``lease_until`` lets another worker take over a claim whose worker died
  before it recorded the sending.
* ``review_marks``: a lead's "reviewed" on one milestone cycle, with a note the next review
  shows.
* ``review_schedules``: a team's own schedule (weekday, hour, zone), its high-priority tiers and
  accounts (reviewed daily) and its recipients, where they differ from the installation's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


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


class ReviewScheduleRow(Base):
    """One team's review schedule; a null column (or empty list) keeps the installation's."""

    __tablename__ = "review_schedules"

    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    weekday: Mapped[int | None] = mapped_column(Integer)  # 0 Monday .. 6 Sunday
    hour: Mapped[int | None] = mapped_column(Integer)  # 0-23, local time in ``time_zone``
    time_zone: Mapped[str | None] = mapped_column(String(64))
    daily_tiers: Mapped[list[Any]] = mapped_column(JSONDocument(), default=list)
    daily_accounts: Mapped[list[Any]] = mapped_column(JSONDocument(), default=list)
    recipients: Mapped[list[Any] | None] = mapped_column(JSONDocument())  # None: the leads
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
