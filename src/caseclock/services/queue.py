"""The at-risk queue: open milestones, soonest breach first, with health at now.

The query is one index scan (open rows by deadline, optionally by owner, team or account);
remaining business time is computed only for the page returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.core.milestones import Health, MilestoneState
from caseclock.services.access import Principal
from caseclock.services.calendars import CalendarCache
from caseclock.services.health import Standing, standing
from caseclock.store.models import MilestoneRow
from caseclock.store.repositories.milestones import MilestoneRepository, QueueFilter


@dataclass(frozen=True, slots=True)
class QueueItem:
    row: MilestoneRow
    standing: Standing


def row_standing(
    row: MilestoneRow, *, calendars: CalendarCache, now: datetime, yellow_within: timedelta
) -> Standing:
    return standing(
        key=row.key,
        state=MilestoneState(row.state),
        deadline=row.deadline,
        warning_at=row.warning_at,
        stored_remaining=(
            timedelta(seconds=row.remaining_seconds) if row.remaining_seconds is not None else None
        ),
        calendar=calendars.get(row.calendar),
        now=now,
        yellow_within=yellow_within,
    )


def milestone_queue(
    session: Session,
    where: QueueFilter,
    principal: Principal,
    *,
    now: datetime,
    sort_by_deadline: bool,
    limit: int,
    offset: int,
    yellow_within: timedelta,
) -> Sequence[QueueItem]:
    rows = MilestoneRepository(session).queue(
        where,
        now=now,
        scope=principal.accounts,
        sort_by_deadline=sort_by_deadline,
        limit=limit,
        offset=offset,
    )
    calendars = CalendarCache(session)
    items = []
    for row in rows:
        if row.is_open:
            status = row_standing(row, calendars=calendars, now=now, yellow_within=yellow_within)
        else:
            status = Standing(MilestoneState(row.state), None, _closed_health(row))
        items.append(QueueItem(row=row, standing=status))
    return items


def _closed_health(row: MilestoneRow) -> Health:
    return Health.RED if row.late else Health.GREEN
