"""The breach risk kept per open milestone, so "highest risk first" sorts the whole queue.

Risk is computed on read for what a page shows (``scoring``), but a sort over the whole
filtered queue cannot score every open milestone on each read. So each open milestone's risk
is also stored (``milestone_risks``, indexed by probability) and the queue sorts on it in SQL:

- when a record changes, ingestion notes it (``changes.note_changed``) and the worker scores its
  milestones again within a pass (``refresh_changed``);
- as time passes, the worker scores again the milestones scored longest ago, once they are
  older than the refresh age or than the newest model (``refresh_aged``).

The board then shows the top of that order with each row's risk computed at the page's
instant, sorted again by it; the stored figure is at most the refresh age old. The API's
``GET /milestones?sort=risk`` pages through the same order as it is stored (a page re-sorted
by a fresher figure could repeat or skip rows across pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.services.access import Principal
from caseclock.services.at_risk import QueueFilter, QueueItem, row_standing
from caseclock.services.calendars import CalendarCache
from caseclock.services.insights.scoring import NO_FIGURE, NO_MODEL, RecordSignals, RiskScorer
from caseclock.store.repositories.insight_state import (
    InsightChangeRepository,
    RiskStoreRepository,
)
from caseclock.store.repositories.milestones import MilestoneRepository, first_per_record

REFRESH_AGE = timedelta(minutes=15)  # the default; ``CASECLOCK_RISK_REFRESH_MINUTES``
BATCH = 200  # records scored per pass of the worker, changed ones first


def store_risks(
    session: Session, scorer: RiskScorer, record_ids: Iterable[str], now: datetime
) -> int:
    """Score the records' open milestones at ``now`` and store the figures in place of the
    ones before; returns how many milestones were stored."""
    wanted = set(record_ids)
    if not wanted:
        return 0
    rows = MilestoneRepository(session).for_records(wanted)
    open_rows = {r: [m for m in ms if m.is_open] for r, ms in rows.items()}
    views = scorer.for_rows(open_rows, now, RecordSignals.load(session, wanted))
    stored: list[dict[str, Any]] = []
    # a milestone with no figure: breached (no risk left), not started, or no model yet
    none = NO_MODEL if scorer.model is None else NO_FIGURE
    for record_id, milestones in open_rows.items():
        for row in milestones:
            view = views.get((record_id, row.key, row.cycle), none)
            stored.append(
                {
                    "milestone_id": row.id,
                    "record_id": record_id,
                    "probability": view.probability,
                    "status": view.status,
                    "reasons": list(view.reasons),
                    "model_id": scorer.model_id,
                    "scored_at": now,
                }
            )
    RiskStoreRepository(session).replace(wanted, stored)
    return len(stored)


def refresh_changed(
    session: Session, now: datetime, limit: int = BATCH
) -> tuple[list[str], list[tuple[str, datetime]]]:
    """Score the records changed longest ago (at most ``limit``); returns the records and
    the changes taken, which the caller forgets once everything else about them is done."""
    taken = InsightChangeRepository(session).oldest(limit)
    records = [record_id for record_id, _ in taken]
    store_risks(session, RiskScorer(session), records, now)
    return records, taken


def forget_changes(session: Session, taken: list[tuple[str, datetime]]) -> None:
    """The changes taken by ``refresh_changed`` are worked out: forget them (a record noted
    again meanwhile stays noted)."""
    InsightChangeRepository(session).forget(taken)


def refresh_aged(
    session: Session, now: datetime, *, age: timedelta = REFRESH_AGE, limit: int = BATCH
) -> list[str]:
    """Score again the records whose stored risk is older than ``age`` or than the newest
    model (at most ``limit``, the oldest first); returns them."""
    scorer = RiskScorer(session)
    before = now - age
    if scorer.trained_at is not None:
        before = max(before, scorer.trained_at)
    records = RiskStoreRepository(session).aged(before, limit)
    store_risks(session, scorer, records, now)
    return records


def queue_by_risk(
    session: Session,
    where: QueueFilter,
    principal: Principal,
    *,
    now: datetime,
    per_record: bool = False,
    limit: int,
    offset: int = 0,
    yellow_within: timedelta,
) -> list[QueueItem]:
    """A page of the queue (``limit`` rows after the first ``offset``), highest stored risk
    first (ties by id), then the rows without a figure, soonest deadline first (all of them in
    deadline order when no row has a figure yet); ``per_record``: one row per record, its
    riskiest milestone (read in chunks, each record's first row kept)."""
    calendars = CalendarCache(session)
    repository = MilestoneRepository(session)
    scope = principal.accounts
    if per_record:
        rows = first_per_record(
            lambda size, start: repository.by_risk(
                where, now=now, scope=scope, limit=size, offset=start
            ),
            limit=limit,
            offset=offset,
        )
    else:
        rows = list(repository.by_risk(where, now=now, scope=scope, limit=limit, offset=offset))
    return [
        QueueItem(row, row_standing(row, calendars=calendars, now=now, yellow_within=yellow_within))
        for row in rows
    ]
