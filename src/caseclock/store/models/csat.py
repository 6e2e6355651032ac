"""Customer satisfaction: each ``csat`` event as a row reports can group, and the key that
signs survey links.

* ``csat_responses``: one row per ``csat`` event (unique with its record), written beside the
  event at ingestion, with the team, agent (the owner), tier and account it is credited to as
  they were when it was stored, so CSAT by team, agent, tier, milestone and week is one
  aggregate over an index range of the period.
* ``signing_keys``: secrets caseclock made for itself, by purpose (``survey``: the HMAC key of
  survey links), shared by every process on one database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.core.provenance import SOURCE_LENGTH
from caseclock.store.models.base import Base
from caseclock.store.types import UTCDateTime


class CsatRow(Base):
    """One satisfaction answer, credited as it was when stored."""

    __tablename__ = "csat_responses"
    __table_args__ = (
        UniqueConstraint("record_id", "event_id"),
        Index("ix_csat_responses_answered_at", "answered_at"),
        Index("ix_csat_responses_team_answered_at", "team", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[int] = mapped_column(Integer)
    scale: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[bool] = mapped_column(Boolean)  # in the top two points of its scale
    share: Mapped[float] = mapped_column(Float)  # (score - 1) / (scale - 1): 0 to 1
    milestone: Mapped[str | None] = mapped_column(String(64))
    cycle: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    team: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))


class SigningKeyRow(Base):
    """A secret caseclock generated for one purpose, the first time it needed it."""

    __tablename__ = "signing_keys"

    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
