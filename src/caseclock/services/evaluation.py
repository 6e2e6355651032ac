"""Evaluate records with the pure core and turn the result into milestone rows.

One ``RecordEvaluator`` per unit of work: it parses each process version and builds each
calendar once, however many records a batch touches.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.evaluate import evaluate
from caseclock.core.events import Event
from caseclock.core.milestones import Milestone, Timer, timer_to_json
from caseclock.core.policy import Process
from caseclock.services.calendars import CalendarCache
from caseclock.services.projection import RecordFields
from caseclock.store.models import AccountRow
from caseclock.store.repositories.policy import ProcessRepository
from caseclock.store.repositories.timers import TimerId


def account_facts(account: AccountRow | None) -> dict[str, Any] | None:
    """The account as the evaluator's conditions and target rules read it."""
    if account is None:
        return None
    facts: dict[str, Any] = dict(account.fields or {})
    facts.update(
        {
            "id": account.id,
            "name": account.name,
            "tier": account.tier,
            "region": account.region,
            "start_date": _iso(account.start_date),
            "renewal_date": _iso(account.renewal_date),
        }
    )
    return facts


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class RecordEvaluator:
    """Evaluates records on the process version each one keeps."""

    def __init__(self, session: Session, calendars: CalendarCache | None = None) -> None:
        self._processes = ProcessRepository(session)
        self._parsed: dict[tuple[str, int], Process | None] = {}
        self.calendars = calendars or CalendarCache(session)

    def process(self, key: str | None, version: int | None) -> Process | None:
        if key is None or version is None:
            return None
        if (key, version) not in self._parsed:
            row = self._processes.get(key, version)
            self._parsed[(key, version)] = (
                Process.model_validate({**row.document, "version": version})
                if row is not None
                else None
            )
        return self._parsed[(key, version)]

    def preload(self, pairs: Sequence[tuple[str, int]]) -> None:
        """Parse every process version a batch needs with one query."""
        missing = [pair for pair in set(pairs) if pair not in self._parsed]
        for pair, row in self._processes.get_many(missing).items():
            self._parsed[pair] = Process.model_validate({**row.document, "version": row.version})

    def evaluate(
        self,
        process: Process | None,
        timeline: Sequence[Event],
        now: datetime,
        account: Mapping[str, Any] | None,
    ) -> list[Milestone]:
        """Every milestone of one record at ``now``; none without a process (no clock)."""
        if process is None or not timeline:
            return []
        return evaluate(process, timeline, now, calendars=self.calendars.all(), account=account)


def milestone_values(
    record_id: str,
    fields: RecordFields,
    milestones: Sequence[Milestone],
    *,
    now: datetime,
    fired: Collection[TimerId] = frozenset(),
) -> list[dict[str, Any]]:
    """Column values of the materialized rows of one record's milestones.

    ``next_timer_*`` name the earliest timer of the plan that is not in ``fired`` (the firing
    ledger's keys): what the worker claims the row by.
    """
    rows = []
    for milestone in milestones:
        timers = sorted(milestone.timers, key=lambda t: (t.at, t.sequence))
        first = next(
            (
                t
                for t in timers
                if (record_id, t.milestone, t.cycle, t.kind.value, t.sequence) not in fired
            ),
            None,
        )
        rows.append(
            {
                "record_id": record_id,
                "key": milestone.key,
                "cycle": milestone.cycle,
                "name": milestone.name,
                "state": milestone.state.value,
                "is_open": milestone.is_open,
                "calendar": milestone.calendar,
                "started_at": milestone.started_at,
                "deadline": milestone.deadline,
                "warning_at": milestone.warning_at,
                "completed_at": milestone.completed_at,
                "target_seconds": _seconds(milestone.target),
                "elapsed_seconds": milestone.elapsed.total_seconds(),
                "paused_seconds": milestone.paused.total_seconds(),
                "remaining_seconds": _seconds(milestone.remaining),
                "late": milestone.late,
                "owner": milestone.owner or fields.owner,
                "team": fields.team,
                "account_id": fields.account,
                "timers": [_timer_json(t) for t in timers],
                "next_timer_at": first.at if first else None,
                "next_timer_kind": first.kind.value if first else None,
                "evaluated_at": now,
            }
        )
    return rows


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value.total_seconds())


def _timer_json(timer: Timer) -> dict[str, Any]:
    return timer_to_json(timer)
