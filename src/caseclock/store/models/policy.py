"""Policy documents: calendars, process versions and entitlement rule sets, stored as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class CalendarRow(Base):
    """A business-hours calendar as it reads today (its newest version); the document is a
    ``CalendarSpec`` dumped as JSON."""

    __tablename__ = "calendars"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class CalendarVersionRow(Base):
    """Every version a calendar had: editing a calendar adds one."""

    __tablename__ = "calendar_versions"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessRow(Base):
    """One version of an entitlement process. A new upload that differs is a new version."""

    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EntitlementRuleSetRow(Base):
    """The entitlement rules of one applied bundle; the newest set is the one in force."""

    __tablename__ = "entitlement_rule_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PolicyMigrationRow(Base):
    """Open records moved to new process versions, batch by batch; ``cursor`` is the last
    record id walked, so an interrupted migration resumes after it. ``targets`` maps each
    process key to the version its open records move to; ``criteria`` is the condition they
    meet, as written (empty: every open record); ``summary`` the preview's counts."""

    __tablename__ = "policy_migrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    targets: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    criteria: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSONDocument(), default=dict)
    cursor: Mapped[str | None] = mapped_column(String(200))
    moved: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
