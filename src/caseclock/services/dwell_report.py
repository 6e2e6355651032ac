"""Who held the clocks: team and owner dwell, the pause audit and success criteria over a
period, for Reports and their CSV.

These figures come from each record's timeline (``core.dwell``, ``core.pause_audit``,
``core.success_criteria``), not from the materialized milestone rows. So each completed
milestone cycle is analysed once and what was found is kept (``cycle_analyses``,
``cycle_holdings``, with the milestone row's digest and the record's event count: a cycle
whose row changed, or whose record got an event, is analysed again); the report then sums
the whole period in SQL, within the reader's scope. ``analyse`` does the work in bounded
batches, the latest completions first: the worker's review job calls it every minute, and the
report itself analyses up to ``limit`` records before reading, saying how many of the
period's completions are still waiting. Everything counts by the cycle's
completion in the period: its holdings, its criteria, and its pauses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.dwell import dwell
from caseclock.core.pause_audit import DEFAULT_FLAG_WITHIN, PauseEntry, PauseTotal, pause_entries
from caseclock.core.success_criteria import checklists
from caseclock.services.access import Principal
from caseclock.services.records import evaluate_record
from caseclock.store.repositories.holdings import (
    FlaggedPause,
    HolderSum,
    HoldingsRepository,
    Key,
    PauseSum,
    Pending,
    Window,
)
from caseclock.store.repositories.records import RecordRepository

REPLAY_LIMIT = 300  # records the report analyses itself before reading; the worker does the rest
NOT_NAMED = "(not named)"
NONE = "(none)"
FLAGGED_SHOWN = 25


@dataclass(frozen=True, slots=True)
class HolderTotal:
    """One team's (or owner's) time holding milestones completed in the period."""

    label: str
    milestones: int
    held: timedelta
    average_share: float | None  # of the milestones' targets


@dataclass(frozen=True, slots=True)
class DwellReport:
    since: datetime
    until: datetime
    covered: int  # completions of the period analysed
    records: int  # completions of the period (``covered`` of them are summed)
    teams: list[HolderTotal]
    owners: list[HolderTotal]
    pauses_by_agent: list[PauseTotal]
    pauses_by_team: list[PauseTotal]
    pauses_by_reason: list[PauseTotal]
    flagged: list[FlaggedPause]  # pauses soon after a customer's reply, newest first
    with_criteria: int  # completions of definitions with criteria
    met_criteria: int
    beyond_cap: timedelta = timedelta(0)  # pause time the clocks ran through, past their caps


def _text(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]


def _parts(key: Key, entries: Iterable[Any]) -> list[dict[str, Any]]:
    record_id, milestone, cycle = key
    base = {"record_id": record_id, "milestone": milestone, "cycle": cycle}
    rows = []
    for entry in entries:
        if isinstance(entry, PauseEntry):
            rows.append(
                {
                    **base,
                    "kind": "pause",
                    "name": _text(entry.by, 200),
                    "team": _text(entry.team, 200),
                    "reason": _text(entry.reason, 300),
                    "seconds": entry.held.total_seconds(),
                    "share": None,
                    "started_at": entry.start,
                    "flagged": entry.flagged,
                    "after_reply_seconds": (
                        None if entry.after_reply is None else entry.after_reply.total_seconds()
                    ),
                    "beyond_seconds": entry.beyond_cap.total_seconds(),
                }
            )
        else:
            rows.append(
                {
                    **base,
                    "kind": entry.kind,
                    "name": _text(entry.name, 200),
                    "team": None,
                    "reason": None,
                    "seconds": entry.held.total_seconds(),
                    "share": entry.share,
                    "started_at": None,
                    "flagged": False,
                    "after_reply_seconds": None,
                    "beyond_seconds": 0.0,
                }
            )
    return rows


def _analyse_record(
    session: Session, record_id: str, wanted: list[Pending], now: datetime, flag: timedelta
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    row = RecordRepository(session).get(record_id)
    evaluated = None if row is None else evaluate_record(session, row, now=now)
    result = None if evaluated is None else evaluated.replay
    if evaluated is None or result is None:
        return [], []
    actors = {k: p.actor for k, p in evaluated.provenance.items()}
    by_cycle = {(d.key, d.cycle): d for d in dwell(result)}
    checks = {(c.key, c.cycle): c for c in checklists(result)}
    pauses: dict[tuple[str, int], list[PauseEntry]] = {}
    for entry in pause_entries(result, flag_within=flag, actors=actors):
        pauses.setdefault((entry.milestone, entry.cycle), []).append(entry)
    analyses, parts = [], []
    for item in wanted:
        mine = (item.milestone, item.cycle)
        held = by_cycle.get(mine)
        checklist = checks.get(mine)
        analyses.append(
            {
                "record_id": record_id,
                "milestone": item.milestone,
                "cycle": item.cycle,
                "digest": item.digest,
                "event_count": item.event_count,
                "completed_at": item.completed_at,
                "account_id": item.account_id,
                "team": item.team,
                "with_criteria": checklist is not None,
                "met_criteria": checklist is not None and checklist.met,
            }
        )
        found: list[Any] = [*pauses.get(mine, [])]
        if held is not None:
            found.extend([*held.teams, *held.owners])
        parts.extend(_parts((record_id, item.milestone, item.cycle), found))
    return analyses, parts


def analyse(
    session: Session,
    window: Window,
    *,
    now: datetime,
    limit: int = REPLAY_LIMIT,
    flag_within: timedelta = DEFAULT_FLAG_WITHIN,
) -> int:
    """Analyse the window's completed cycles not analysed at their current digest, the
    records of the latest ``limit`` first; return how many cycles were analysed."""
    pending = HoldingsRepository(session).pending(window, limit=limit * 4)
    records: dict[str, list[Pending]] = {}
    for item in pending:
        if item.record_id in records or len(records) < limit:
            records.setdefault(item.record_id, []).append(item)
    analyses: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for record_id, wanted in records.items():
        found, pieces = _analyse_record(session, record_id, wanted, now, flag_within)
        analyses.extend(found)
        parts.extend(pieces)
    keys = [(p.record_id, p.milestone, p.cycle) for items in records.values() for p in items]
    HoldingsRepository(session).replace(keys, analyses, parts)
    return len(analyses)


def analyse_recent(session: Session, *, now: datetime, back: timedelta, limit: int) -> int:
    """``analyse`` the completions of every account over the last ``back`` (the worker's job)."""
    return analyse(session, Window(now - back, now, None), now=now, limit=limit)


def _holders(sums: Iterable[HolderSum]) -> list[HolderTotal]:
    items = [
        HolderTotal(s.label or NONE, s.milestones, timedelta(seconds=s.seconds), s.average_share)
        for s in sums
    ]
    return sorted(items, key=lambda t: (-t.held, t.label))


def _pauses(sums: Iterable[PauseSum], none: str) -> list[PauseTotal]:
    items = [
        PauseTotal(s.label or none, s.count, timedelta(seconds=s.seconds), s.flagged) for s in sums
    ]
    return sorted(items, key=lambda t: (-t.held, t.label))


def dwell_report(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 30,
    flag_within: timedelta = DEFAULT_FLAG_WITHIN,
    limit: int = REPLAY_LIMIT,
) -> DwellReport:
    """Dwell, pauses and criteria of the last ``days`` days (see the module docstring)."""
    window = Window(now - timedelta(days=days), now, principal.accounts)
    if limit:
        analyse(session, window, now=now, limit=limit, flag_within=flag_within)
    repo = HoldingsRepository(session)
    total = repo.completed_count(window)
    waiting = repo.pending_count(window)
    with_criteria, met = repo.criteria(window)
    by_reason = repo.pauses(window, "reason")
    return DwellReport(
        since=window.since,
        until=now,
        covered=total - waiting,
        records=total,
        teams=_holders(repo.holders(window, "team")),
        owners=_holders(repo.holders(window, "owner")),
        pauses_by_agent=_pauses(repo.pauses(window, "agent"), NOT_NAMED),
        pauses_by_team=_pauses(repo.pauses(window, "team"), NONE),
        pauses_by_reason=_pauses(by_reason, NONE),
        flagged=repo.flagged(window, limit=FLAGGED_SHOWN),
        with_criteria=with_criteria,
        met_criteria=met,
        beyond_cap=timedelta(seconds=sum(s.beyond_seconds for s in by_reason)),
    )
