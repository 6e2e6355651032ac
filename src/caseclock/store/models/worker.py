"""What the worker keeps: the firing ledger, the outbox, endpoints and escalation rules.

* ``firings``: one row per timer fired (or skipped on catch-up), unique per
  ``(record, source, cycle, kind, sequence)``: the ledger that makes a timer fire once.
* ``deliveries``: the outbox. Written in the firing transaction, delivered after commit,
  retried with backoff, dead-lettered as ``failed``. ``key`` is the idempotency key.
* ``firing_holds``: records whose firing keeps failing: retried with backoff, then held until
  an admin releases them, so that one record never stops the others' timers.
* ``endpoints``: named webhook and chat targets; policies name them, so secrets stay here.
* ``escalation_rule_sets`` and ``escalation_timers``: the rules in force and, per open record,
  what falls due when: each escalation rule, and the customer's answer to a request for
  information that the worker is to act on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class FiringRow(Base):
    """A timer that fired. ``source`` is a milestone key or ``rule:NAME`` for an escalation."""

    __tablename__ = "firings"
    __table_args__ = (UniqueConstraint("record_id", "source", "cycle", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(120))
    cycle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(Boolean)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[list[Any]] = mapped_column(JSONDocument(), default=list)


class FiringHoldRow(Base):
    """A record whose firing failed ``failures`` times in a row; its timers are not claimed
    before ``retry_at``, nor at all once ``held_at`` is set (until released)."""

    __tablename__ = "firing_holds"

    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeliveryRow(Base):
    """One external delivery (webhook, chat, email) of one action of one firing."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    firing_id: Mapped[int] = mapped_column(ForeignKey("firings.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # webhook, chat or email
    endpoint: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[list[str] | None] = mapped_column(JSONDocument())
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    state: Mapped[str] = mapped_column(String(20))  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EndpointRow(Base):
    """A registered webhook or chat target; the secret is never returned by the API."""

    __tablename__ = "endpoints"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # webhook or chat
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EscalationRuleSetRow(Base):
    """The escalation rules of one applied bundle; the newest set is the one in force."""

    __tablename__ = "escalation_rule_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document: Mapped[list[Any]] = mapped_column(JSONDocument())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EscalationTimerKind(StrEnum):
    """What an escalation timer is for."""

    RULE = "rule"  # an escalation rule, named in ``rule``, falls due ``after`` its basis
    ANSWERED = "answered"  # the customer answered a request for information: resume the clock


_ANSWERED = f"kind = '{EscalationTimerKind.ANSWERED.value}'"


class EscalationTimerRow(Base):
    """What falls due on one open record, and when: an escalation rule (``rule`` names it),
    measured from ``basis`` (the record's creation or last activity); or, at most one per
    record, the customer's answer (``basis`` is its instant, due at once), which the worker
    turns into the resume of the paused clocks. Only rules have a ``rule``."""

    __tablename__ = "escalation_timers"
    __table_args__ = (
        UniqueConstraint("record_id", "rule"),
        Index("ix_escalation_timers_due_at", "due_at"),
        Index(
            "ix_escalation_timers_record_id_answered",
            "record_id",
            unique=True,
            sqlite_where=text(_ANSWERED),
            postgresql_where=text(_ANSWERED),
        ),
        CheckConstraint("(kind = 'rule') = (rule IS NOT NULL)", name="rules_are_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str | None] = mapped_column(String(100))
    basis: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
