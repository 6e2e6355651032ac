"""Records, their append-only event timelines, materialized milestones, tasks and notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseclock.core.provenance import ACTOR_LENGTH, SOURCE_LENGTH
from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class RecordRow(Base):
    """What milestones are tracked on. Its fields are the fold of its timeline.

    ``process_key`` is null when no entitlement applied: no clock runs, and
    ``GET /records?entitlement=missing`` lists it.
    """

    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_account_id_updated_at", "account_id", "updated_at"),
        Index("ix_records_owner", "owner"),
        Index("ix_records_team", "team"),
        Index("ix_records_team_updated_at", "team", "updated_at"),  # the review's stalled (v0007)
        Index("ix_records_process_key", "process_key"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str | None] = mapped_column(String(50))
    owner: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))
    tier: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONDocument(), default=dict)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    process_key: Mapped[str | None] = mapped_column(String(100))
    process_version: Mapped[int | None] = mapped_column(Integer)
    # the calendar versions the record counts on (name -> version; a calendar not named: its
    # version 1), set at creation and changed only by a policy migration (v0020)
    calendar_versions: Mapped[dict[str, int] | None] = mapped_column(JSONDocument())
    entitlement_id: Mapped[int | None] = mapped_column(ForeignKey("entitlements.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_count: Mapped[int] = mapped_column(Integer, default=0)

    milestones: Mapped[list[MilestoneRow]] = relationship(back_populates="record", lazy="raise")


class EventRow(Base):
    """One fact about one record; ``event_id`` is the sender's idempotency key. ``source`` and
    ``actor`` say where it came from and who sent it (``core.provenance``)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("record_id", "event_id"),
        Index("ix_events_record_id_occurred_at", "record_id", "occurred_at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    actor: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))


class MilestoneRow(Base):
    """One cycle of one milestone on one record, as evaluated after the record's last change.

    Indexed for the two questions asked of it: what is at risk (open rows by deadline, with the
    record's owner, team and account copied in so the queue is one index scan) and what fires
    next (``next_timer_at``, for the worker).
    """

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("record_id", "key", "cycle"),
        Index("ix_milestones_is_open_deadline_id", "is_open", "deadline", "id"),
        Index("ix_milestones_is_open_owner_deadline_id", "is_open", "owner", "deadline", "id"),
        Index("ix_milestones_is_open_team_deadline_id", "is_open", "team", "deadline", "id"),
        # least time left first: one deadline-ordered range per clock (basis, calendar and its
        # version)
        Index(
            "ix_milestones_is_open_clock_deadline_id",
            "is_open",
            "basis",
            "calendar",
            "calendar_version",
            "deadline",
            "id",
        ),
        Index(
            "ix_milestones_account_id_is_open_deadline_id",
            "account_id",
            "is_open",
            "deadline",
            "id",
        ),
        Index("ix_milestones_next_timer_at", "next_timer_at"),
        # the review's "completed late" and "violated since" per team (v0007)
        Index("ix_milestones_team_completed_at", "team", "completed_at"),
        Index("ix_milestones_team_violated_at", "team", "violated_at"),
        Index("ix_milestones_team_state_deadline", "team", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column(Boolean)
    calendar: Mapped[str | None] = mapped_column(String(100))
    # the version of ``calendar`` the cycle was counted on (its record's, or the one it was
    # kept under): time left and colours read that version
    calendar_version: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    target_seconds: Mapped[float | None] = mapped_column(Float)
    elapsed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    remaining_seconds: Mapped[float | None] = mapped_column(Float)
    late: Mapped[bool | None] = mapped_column(Boolean)
    # the clock the milestone counts on, so the unit of its time left (``core.standing``)
    basis: Mapped[str] = mapped_column(String(20), default="business", server_default="business")
    violated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first breach, kept
    owner: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))
    timers: Mapped[list[Any]] = mapped_column(JSONDocument(), default=list)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_timer_kind: Mapped[str | None] = mapped_column(String(20))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # digest of the values but the time-dependent ones: tells which rows an evaluation changed
    digest: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # set by a policy migration on a cycle it found decided: the process version the cycle ran
    # under, kept as it was (evaluations leave the row alone); null: the record's version
    kept_version: Mapped[int | None] = mapped_column(Integer)

    record: Mapped[RecordRow] = relationship(back_populates="milestones", lazy="raise")


class TaskRow(Base):
    """A task on a record, materialized from its ``task`` event."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    event_seq: Mapped[int] = mapped_column(
        ForeignKey("events.seq", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(500))
    assignee: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoteRow(Base):
    """An internal note or a warm-handoff note, materialized from its event."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    event_seq: Mapped[int] = mapped_column(
        ForeignKey("events.seq", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # "note" or "handoff"
    author: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
