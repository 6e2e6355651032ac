"""What is due on a record: its milestone rows' timer plans minus the firing ledger.

A milestone row keeps the whole plan of its cycle (past timers included, so a late event that
moves a success into the past does not lose it) and ``next_timer_at``, which the worker claims
by. ``reconcile`` keeps ``next_timer_at`` on the earliest timer *not yet fired*, so a row whose
timers have all fired is never claimed again; ingestion wakes the workers when a timer it
touched is due within ``WAKE_HORIZON`` (the longest a worker sleeps).
Ingestion calls ``after_refresh`` once it has rewritten a batch's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.milestones import TimerKind
from caseclock.services import answers, escalations
from caseclock.services.wakeup import announce
from caseclock.store.models import AccountRow
from caseclock.store.repositories.records import StoredEvent
from caseclock.store.repositories.timers import FiringRepository, TimerId, TimerRepository

_DEFERRED = "caseclock_timer_hooks_deferred"
# A worker never sleeps longer than this, so ingestion only wakes workers for timers due
# sooner: a timer further out is found by the worker's next regular look.
WAKE_HORIZON = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class DueTimer:
    """One planned timer of one milestone row."""

    record_id: str
    milestone: str
    cycle: int
    kind: TimerKind
    sequence: int
    at: datetime

    @property
    def ledger_key(self) -> TimerId:
        return (self.record_id, self.milestone, self.cycle, self.kind.value, self.sequence)


def planned(row: Mapping[str, Any]) -> list[DueTimer]:
    """The timers of a milestone row (its ``timers`` JSON), in plan order."""
    return [
        DueTimer(
            row["record_id"],
            str(t["milestone"]),
            int(t["cycle"]),
            TimerKind(t["kind"]),
            int(t["sequence"]),
            datetime.fromisoformat(str(t["at"])),
        )
        for t in row["timers"] or []
    ]


def unfired(rows: Iterable[Mapping[str, Any]], fired: set[TimerId]) -> list[DueTimer]:
    """Every planned timer of ``rows`` that the ledger does not hold, soonest first."""
    timers = [t for row in rows for t in planned(row) if t.ledger_key not in fired]
    return sorted(timers, key=lambda t: (t.at, t.record_id, t.milestone, t.cycle, t.sequence))


def reconcile(
    session: Session,
    record_ids: set[str],
    *,
    rows: Sequence[Mapping[str, Any]] | None = None,
    fired: set[TimerId] | None = None,
) -> datetime | None:
    """Point each row's ``next_timer_at`` at its earliest unfired timer (``rows`` and ``fired``
    when the caller has them at hand). Returns the earliest of them, if any.
    """
    repo = TimerRepository(session)
    rows = repo.timer_rows(record_ids) if rows is None else rows
    fired = FiringRepository(session).fired(record_ids) if fired is None else fired
    changes: list[tuple[Mapping[str, Any], datetime | None, str | None]] = []
    earliest: datetime | None = None
    for row in rows:
        pending = unfired([row], fired)
        first = pending[0] if pending else None
        at, kind = (first.at, first.kind.value) if first else (None, None)
        if at != row["next_timer_at"] or kind != row["next_timer_kind"]:
            changes.append((row, at, kind))
        if at is not None:
            earliest = at if earliest is None else min(earliest, at)
    repo.set_next([(row["id"], at, kind) for row, at, kind in changes])
    return earliest


@contextmanager
def hooks_deferred(session: Session) -> Iterator[None]:
    """Skip ``after_refresh`` inside the block: the worker reconciles once it has fired."""
    session.info[_DEFERRED] = True
    try:
        yield
    finally:
        session.info.pop(_DEFERRED, None)


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What ingestion has in hand once it has rewritten a batch's records: the records'
    columns as now stored, their timelines, the milestone rows it inserted or rewrote (their
    ``next_timer_*`` already past the timers fired) and the accounts it loaded. What is None
    is read from the store.
    """

    records: Mapping[str, Mapping[str, Any]] | None = None
    timelines: Mapping[str, Sequence[StoredEvent]] | None = None
    milestones: Sequence[Mapping[str, Any]] | None = None
    accounts: Mapping[str, AccountRow] | None = None


def after_refresh(
    session: Session, record_ids: set[str], *, now: datetime, refreshed: Refreshed | None = None
) -> None:
    """Ingestion's hook: fix the rows' next timers and escalations; wake workers if sooner.

    With ``refreshed`` it reads nothing back that ingestion has just written. Rows ingestion
    left as they were keep their next timers: the firing ledger only grows in the worker,
    which reconciles the records it fired on in the same transaction.
    """
    if session.info.get(_DEFERRED):
        return
    soon = now + WAKE_HORIZON
    given = refreshed or Refreshed()
    if given.milestones is None:
        earliest = reconcile(session, record_ids)
    else:
        earliest = min(
            (r["next_timer_at"] for r in given.milestones if r["next_timer_at"] is not None),
            default=None,
        )
    escalated = escalations.schedule(
        session,
        record_ids,
        now=now,
        records=given.records,
        accounts=given.accounts,
        timelines=given.timelines,
    )
    answered = answers.watch(
        session, record_ids, now=now, records=given.records, timelines=given.timelines
    )
    if answered or any(at is not None and at <= soon for at in (earliest, escalated)):
        announce(session)


def due_now(
    rows: Sequence[Mapping[str, Any]], fired: set[TimerId], now: datetime
) -> list[DueTimer]:
    """The unfired timers of ``rows`` that are due at ``now``, soonest first."""
    return [t for t in unfired(rows, fired) if t.at <= now]


def passed_repeats(rows: Sequence[Mapping[str, Any]], before: Sequence[DueTimer]) -> list[DueTimer]:
    """Repeated violations that were due by the plan as stored before re-evaluation, and that
    really happened: the new plan lists a later repetition of the same cycle.

    The evaluator plans only the next repetition after its ``now``, so one that fell due
    exactly at (or just before) the re-evaluation is no longer in the new plan.
    """
    latest: dict[tuple[str, str, int], int] = {}
    for timer in (t for row in rows for t in planned(row)):
        if timer.kind is TimerKind.VIOLATION:
            cycle = (timer.record_id, timer.milestone, timer.cycle)
            latest[cycle] = max(latest.get(cycle, -1), timer.sequence)
    return [
        t
        for t in before
        if t.kind is TimerKind.VIOLATION
        and t.sequence > 0
        and latest.get((t.record_id, t.milestone, t.cycle), -1) > t.sequence
    ]
