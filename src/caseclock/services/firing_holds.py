"""Firing holds: a record whose firing keeps failing is retried with backoff, then held, so
that one record never stops the others' timers.

The worker fires records in batches; when a batch fails it fires the batch's records one at a
time, and each record that fails on its own gets a failure counted here (``record_failure``)
with the error. Its timers are not claimed again before a backoff has passed (1 s, doubling,
at most ``MAX_BACKOFF``); after ``attempts`` failures in a row it is held: its timers wait,
visible with the error (``list_holds``, ``GET /api/v1/firings/held``), until an admin
releases it (``release``) once the cause is fixed. A firing that succeeds clears the count.
Only the record's own faults count: a database that is away or a transient conflict ends the
worker's pass, not the record's chances (``store.failures``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.errors import NotFound
from caseclock.services import audit
from caseclock.services.wakeup import announce
from caseclock.store.failures import describe, is_transient_conflict, is_unavailable
from caseclock.store.models import FiringHoldRow
from caseclock.store.repositories.timers import FiringHoldRepository

DEFAULT_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(minutes=5)
_ERROR_LIMIT = 500
RETRYING, HELD = "retrying", "held"


def is_record_fault(exc: BaseException) -> bool:
    """Whether ``exc``, raised while firing one record, is held against that record (not a
    database that is away, nor a conflict that running again resolves)."""
    return not (is_unavailable(exc) or is_transient_conflict(exc))


def error_text(exc: BaseException) -> str:
    """One line about ``exc`` (a database error without its SQL), at most 500 characters."""
    return describe(exc)[:_ERROR_LIMIT]


def record_failure(
    session: Session,
    record_id: str,
    *,
    error: str,
    now: datetime,
    attempts: int = DEFAULT_ATTEMPTS,
) -> FiringHoldRow:
    """Count one more failed firing of ``record_id`` at ``now``: wait a backoff before the
    next try, or hold it once ``attempts`` failures are reached."""
    repo = FiringHoldRepository(session)
    row = repo.get(record_id)
    if row is None:
        row = repo.add(
            FiringHoldRow(
                record_id=record_id, failures=0, error=error, first_failed_at=now, failed_at=now
            )
        )
    row.failures += 1
    row.error, row.failed_at = error, now
    if row.failures >= attempts:
        row.retry_at, row.held_at = None, now
    else:
        backoff = min(FIRST_BACKOFF * 2 ** (row.failures - 1), MAX_BACKOFF)
        row.retry_at, row.held_at = now + backoff, None
    session.flush()
    return row


def state_of(row: FiringHoldRow) -> str:
    return HELD if row.held_at is not None else RETRYING


def list_holds(session: Session) -> Sequence[FiringHoldRow]:
    """Every record with a firing hold (held, or waiting for its next try), latest first."""
    return FiringHoldRepository(session).all()


def release(session: Session, record_id: str, *, actor: str, now: datetime) -> None:
    """Let the worker fire ``record_id`` again at once, with a fresh count of attempts; the
    release is in the audit trail, with the failures and the error it ended."""
    repo = FiringHoldRepository(session)
    row = repo.get(record_id)
    if row is None:
        raise NotFound(f"record {record_id!r} has no firing hold")
    details = {"state": state_of(row), "failures": row.failures, "error": row.error}
    repo.remove(row)
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.FIRING,
        target=record_id,
        action="release",
        at=now,
        details=details,
    )
    announce(session)


def cleared(session: Session, record_ids: Sequence[str] | set[str]) -> None:
    """These records fired: forget their failures."""
    FiringHoldRepository(session).clear(record_ids)
