"""Customer milestones on accounts: milestones, their tasks and notes, and collaborators.

* ``account_milestones``: one dated milestone of one account, made by hand or by a plan. Its
  due date is an absolute date or counts from the account's start (``anchor = "start"``) or
  from another milestone (``after_id``); ``starts_after_id`` is the milestone it waits for.
  ``next_reminder_at`` is the worker's claim column; a lifecycle milestone carries its
  ``phase`` and the days the phase holds (``phase_since`` to ``phase_until``, excluded).
* ``account_tasks``: tasks (and dated events) under a milestone.
* ``milestone_notes``: notes under a milestone.
* ``plans``: plans an installation stored, by key (the shipped ones are not stored).
* ``milestone_collaborators``: users who see the account while they collaborate on one of its
  milestones (``services.access`` widens their scope at every request).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class AccountMilestoneRow(Base):
    __tablename__ = "account_milestones"
    __table_args__ = (
        Index("ix_account_milestones_account_id_due_on", "account_id", "due_on"),
        # "in adoption today" reads this index alone (the phase's current rows and their
        # accounts), with no visit to the table once its pages are all visible (v0023)
        Index(
            "ix_account_milestones_phase_phase_until",
            "phase",
            "phase_until",
            postgresql_include=["phase_since", "account_id"],
        ),
        Index("ix_account_milestones_next_reminder_at", "next_reminder_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))  # its team: reminders, the board
    plan_key: Mapped[str | None] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(64))
    anchor: Mapped[str] = mapped_column(String(20))  # "date", "start" or "milestone"
    offset: Mapped[str | None] = mapped_column(String(20))
    after_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_milestones.id", ondelete="SET NULL")
    )
    starts_after_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_milestones.id", ondelete="SET NULL")
    )
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    moved_from: Mapped[date | None] = mapped_column(Date)
    calendar: Mapped[str | None] = mapped_column(String(100))
    move_off_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    every: Mapped[str | None] = mapped_column(String(20))
    first_due_on: Mapped[date | None] = mapped_column(Date)  # a recurring one's first date
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str | None] = mapped_column(String(50))
    phase_since: Mapped[date | None] = mapped_column(Date)
    phase_until: Mapped[date | None] = mapped_column(Date)
    pin: Mapped[str | None] = mapped_column(String(50))
    auto_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders: Mapped[dict[str, Any]] = mapped_column(JSONDocument(), default=dict)
    # warning / violation / success actions on the engine (``core.account_clock``); null: the
    # default ones
    actions: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument())
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(200))
    last_moved_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccountTaskRow(Base):
    __tablename__ = "account_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("account_milestones.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="task")  # "task" or "event"
    title: Mapped[str] = mapped_column(String(500))
    assignee: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MilestoneNoteRow(Base):
    __tablename__ = "milestone_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("account_milestones.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MilestoneCollaboratorRow(Base):
    __tablename__ = "milestone_collaborators"
    __table_args__ = (UniqueConstraint("milestone_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("account_milestones.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MilestoneReminderRow(Base):
    """One reminder of one milestone's series, claimed by a worker before it is sent: the row
    is unique per milestone, due date and place in the series, so it goes out once however
    many workers look (``services.milestone_reminders``)."""

    __tablename__ = "milestone_reminders"
    __table_args__ = (UniqueConstraint("milestone_id", "due_on", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("account_milestones.id", ondelete="CASCADE")
    )
    due_on: Mapped[date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    worker: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipients: Mapped[list[str]] = mapped_column(JSONDocument(), default=list)
    outcome: Mapped[str | None] = mapped_column(Text)


class PlanRow(Base):
    """A named plan of an installation's own: its document as given (``core.account_plans``)."""

    __tablename__ = "plans"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
