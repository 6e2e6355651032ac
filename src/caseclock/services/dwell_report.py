"""Who held the clocks: team and owner dwell, the pause audit and success criteria over a
period, for Reports and their CSV.

These figures come from each record's timeline (``core.dwell``, ``core.pause_audit``,
``core.success_criteria``), not from the materialized milestone rows, so the report replays
records: the ``limit`` records with the most recent milestone outcomes of the window, and says
how many of the window's records it covered. Cycles count when they completed in the window
(dwell, criteria); pauses when they began in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.core.dwell import Holding, dwell
from caseclock.core.pause_audit import PauseEntry, PauseTotal, pause_entries, totals
from caseclock.core.success_criteria import checklists
from caseclock.services.access import Principal
from caseclock.services.records import evaluate_record
from caseclock.store.repositories.records import RecordRepository
from caseclock.store.repositories.reports import ReportRepository

REPLAY_LIMIT = 300
NOT_NAMED = "(not named)"
NONE = "(none)"


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
    covered: int  # records replayed
    records: int  # records with an outcome in the window
    teams: list[HolderTotal]
    owners: list[HolderTotal]
    pauses_by_agent: list[PauseTotal]
    pauses_by_team: list[PauseTotal]
    pauses_by_reason: list[PauseTotal]
    flagged: list[PauseEntry]  # pauses soon after a customer's reply, newest first
    with_criteria: int  # completions of definitions with criteria
    met_criteria: int


def _holders(holdings: Iterable[Holding]) -> list[HolderTotal]:
    sums: dict[str, tuple[int, timedelta, list[float]]] = {}
    for h in holdings:
        count, held, shares = sums.get(h.name or NONE, (0, timedelta(0), []))
        sums[h.name or NONE] = (
            count + 1,
            held + h.held,
            shares + ([h.share] if h.share is not None else []),
        )
    items = [
        HolderTotal(label, count, held, sum(shares) / len(shares) if shares else None)
        for label, (count, held, shares) in sums.items()
    ]
    return sorted(items, key=lambda t: (-t.held, t.label))


def _recent_records(
    session: Session, principal: Principal, since: datetime, until: datetime
) -> list[str]:
    rows = ReportRepository(session).outcomes(since=since, until=until, scope=principal.accounts)
    latest: dict[str, datetime] = {}
    for row in rows:
        when = row.completed_at or row.deadline or row.violated_at or since
        latest[row.record_id] = max(latest.get(row.record_id, when), when)
    return sorted(latest, key=lambda r: latest[r], reverse=True)


def dwell_report(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    days: int = 30,
    flag_within: timedelta = timedelta(minutes=15),
    limit: int = REPLAY_LIMIT,
) -> DwellReport:
    """Dwell, pauses and criteria of the last ``days`` days (see the module docstring)."""
    since = now - timedelta(days=days)
    ids = _recent_records(session, principal, since, now)
    repo = RecordRepository(session)
    teams: list[Holding] = []
    owners: list[Holding] = []
    pauses: list[PauseEntry] = []
    with_criteria = met = 0
    for record_id in ids[:limit]:
        row = repo.get(record_id)
        if row is None:
            continue
        evaluated = evaluate_record(session, row, now=now)
        result = evaluated.replay
        if result is None:
            continue
        ended = {
            (c.key, c.number)
            for t in result.tracks
            for c in t.cycles
            if c.end_kind == "completed" and c.ended_at is not None and since <= c.ended_at < now
        }
        for d in dwell(result):
            if (d.key, d.cycle) in ended:
                teams.extend(d.teams)
                owners.extend(d.owners)
        actors = {k: p.actor for k, p in evaluated.provenance.items()}
        pauses.extend(
            e
            for e in pause_entries(result, flag_within=flag_within, actors=actors)
            if since <= e.start < now
        )
        for checklist in checklists(result):
            if (checklist.key, checklist.cycle) in ended:
                with_criteria += 1
                met += checklist.met
    return DwellReport(
        since=since,
        until=now,
        covered=min(len(ids), limit),
        records=len(ids),
        teams=_holders(teams),
        owners=_holders(owners),
        pauses_by_agent=totals(pauses, lambda e: e.by, NOT_NAMED),
        pauses_by_team=totals(pauses, lambda e: e.team, NONE),
        pauses_by_reason=totals(pauses, lambda e: e.reason, NONE),
        flagged=sorted((e for e in pauses if e.flagged), key=lambda e: e.start, reverse=True),
        with_criteria=with_criteria,
        met_criteria=met,
    )
