"""The at-risk queue: open milestones with their standing now, in two orders and two views.

Orders: ``deadline`` (soonest breach first: the wall-clock deadline, one index range scan of
open rows by deadline, optionally by owner, team or account) and ``time_left`` (least time
left first, each milestone counted in its own basis). Views: one row per milestone, or one row
per record showing its next breach (the open milestone with the soonest deadline). Counts by
standing cover the whole filtered queue, not the page, in one SQL aggregate, reused for a
few seconds by several readers of the same queue (``CountsCache``). Time left is computed only
for the rows returned.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import islice

from sqlalchemy.orm import Session

from caseclock.core.calendar import BusinessCalendar
from caseclock.core.milestones import Basis, Health, MilestoneState
from caseclock.core.standing import Standing, standing
from caseclock.services.access import Principal
from caseclock.services.calendars import CalendarCache
from caseclock.store import write_generation
from caseclock.store.models import MilestoneRow
from caseclock.store.repositories.milestones import (
    DueSoon,
    MilestoneRepository,
    QueueCounts,
    QueueFilter,
)
from caseclock.store.repositories.reports import RecordBrief, ReportRepository

__all__ = [  # the queue's filter and counts are the repository's values, passed through
    "CountsCache",
    "Order",
    "QueueCounts",
    "QueueFilter",
    "QueueItem",
    "due_soon_from",
    "milestone_queue",
    "queue_counts",
    "record_briefs",
    "row_standing",
]


class Order(StrEnum):
    DEADLINE = "deadline"  # the wall-clock deadline, soonest first (none last)
    TIME_LEFT = "time_left"  # time left in each milestone's basis, least first (none last)
    ID = "id"


@dataclass(frozen=True, slots=True)
class QueueItem:
    row: MilestoneRow
    standing: Standing


def row_standing(
    row: MilestoneRow, *, calendars: CalendarCache, now: datetime, yellow_within: timedelta
) -> Standing:
    """Where an open row stands at ``now``; a closed row keeps the outcome it was stored with."""
    if not row.is_open:
        return Standing(MilestoneState(row.state), None, _closed_health(row), Basis(row.basis))
    return standing(
        key=row.key,
        state=MilestoneState(row.state),
        basis=row.basis,
        deadline=row.deadline,
        warning_at=row.warning_at,
        stored_remaining=(
            timedelta(seconds=row.remaining_seconds) if row.remaining_seconds is not None else None
        ),
        calendar=calendars.get(row.calendar, row.calendar_version),
        now=now,
        yellow_within=yellow_within,
    )


def milestone_queue(
    session: Session,
    where: QueueFilter,
    principal: Principal,
    *,
    now: datetime,
    order: Order = Order.DEADLINE,
    per_record: bool = False,
    limit: int,
    offset: int,
    yellow_within: timedelta,
) -> list[QueueItem]:
    """A page of the queue. ``per_record``: one row per record, its next breach (always in
    deadline order: the next breach is the soonest deadline)."""
    repository = MilestoneRepository(session)
    calendars = CalendarCache(session)

    def item(row: MilestoneRow) -> QueueItem:
        found = row_standing(row, calendars=calendars, now=now, yellow_within=yellow_within)
        return QueueItem(row, found)

    scope = principal.accounts
    if per_record:
        found = repository.next_breaches(where, now=now, scope=scope, limit=limit, offset=offset)
        return [item(row) for row in found]
    if order is Order.TIME_LEFT:
        return _by_time_left(
            repository,
            where=where,
            scope=scope,
            item=item,
            now=now,
            limit=limit,
            offset=offset,
        )
    rows = repository.queue(
        where,
        now=now,
        scope=scope,
        sort_by_deadline=order is Order.DEADLINE,
        limit=limit,
        offset=offset,
    )
    return [item(row) for row in rows]


def _by_time_left(
    repository: MilestoneRepository,
    *,
    where: QueueFilter,
    scope: frozenset[str] | None,
    item: Callable[[MilestoneRow], QueueItem],
    now: datetime,
    limit: int,
    offset: int,
) -> list[QueueItem]:
    """Least time left first. On one clock (a basis and calendar) time left grows with the
    deadline, so each clock's rows in deadline order are already in time-left order: the page
    is a merge of each clock's first ``offset + limit`` rows, each row's time left computed in
    its own basis (a business row on a calendar that is gone counts wall-clock time, as
    ``row_standing`` does). Rows without a deadline follow, by id, as in deadline order."""
    wanted = offset + limit
    streams = repository.soonest_per_clock(where, now=now, scope=scope, limit=wanted)
    # lazily: time left is worked out only for the rows the merge takes, not every row read
    merged = heapq.merge(*((item(row) for row in stream) for stream in streams), key=_time_left_key)
    dated = list(islice(merged, wanted))
    page = dated[offset:wanted]
    if len(page) == limit or any(len(stream) == wanted for stream in streams):
        return page
    rest = repository.undated(
        where, now=now, scope=scope, limit=limit - len(page), offset=max(0, offset - len(dated))
    )
    return [*page, *(item(row) for row in rest)]


def _time_left_key(found: QueueItem) -> tuple[float, float, int]:
    remaining = found.standing.remaining
    deadline = found.row.deadline
    return (
        remaining.total_seconds() if remaining is not None else float("inf"),
        deadline.timestamp() if deadline is not None else float("inf"),
        found.row.id,
    )


def due_soon_from(
    calendars: Mapping[tuple[str, int | None], BusinessCalendar],
    *,
    now: datetime,
    within: timedelta,
) -> DueSoon:
    """The deadlines at or before which a row has at most ``within`` left at ``now``: on each
    version of a business calendar (by name and version), the latest instant with that much
    open time from now (the next opening, when the amount runs out at a closing time); on the
    wall clock, ``now + within``."""
    business = {}
    for clock, calendar in calendars.items():
        reached = calendar.add(now, within)
        business[clock] = reached if calendar.is_open(reached) else calendar.next_open(reached)
    return DueSoon(wall=now + within, business=business)


class CountsCache:
    """Queue counts already computed, reused while they are young enough.

    Counting the whole filtered queue reads every open milestone it matches; the page of rows
    beside them reads a few index ranges. Several people watching the same board, or an
    integration paging through the queue, would recount the same rows every few seconds. A
    count is reused for the same filter and scope while it is at most ``max_age`` old (on the
    caller's clock) and no write has been committed by this process since
    (``caseclock.store.write_generation``); writes by other processes show within
    ``max_age``. Every count carries the instant it was taken (``QueueCounts.at``), so a
    reader sees how old it is. ``max_age`` zero counts afresh every time.
    """

    def __init__(self, max_age: timedelta, *, size: int = 256) -> None:
        self.max_age = max_age
        self.size = size
        self._found: OrderedDict[Hashable, tuple[int, QueueCounts]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, *, now: datetime) -> QueueCounts | None:
        with self._lock:
            found = self._found.get(key)
            if found is None:
                return None
            generation, counts = found
            young = counts.at <= now <= counts.at + self.max_age
            if generation != write_generation.current() or not young:
                del self._found[key]
                return None
            self._found.move_to_end(key)
            return counts

    def put(self, key: Hashable, counts: QueueCounts, *, generation: int) -> None:
        if self.max_age <= timedelta(0):
            return
        with self._lock:
            self._found[key] = (generation, counts)
            self._found.move_to_end(key)
            while len(self._found) > self.size:
                self._found.popitem(last=False)


def queue_counts(
    session: Session,
    where: QueueFilter,
    principal: Principal,
    *,
    now: datetime,
    yellow_within: timedelta,
    cache: CountsCache | None = None,
) -> QueueCounts:
    """The open milestones ``where`` matches, by standing at ``now``: violated, at risk, on
    track, paused, as ``row_standing`` colours each of them. With ``cache``, counts taken a
    moment ago for the same filter and scope may answer instead (``QueueCounts.at`` says
    when they were taken; see ``CountsCache``)."""
    key = (where, principal.accounts, yellow_within)
    if cache is not None and (found := cache.get(key, now=now)) is not None:
        return found
    generation = write_generation.current()  # before reading: a write meanwhile makes it stale
    calendars = CalendarCache(session)
    every: dict[tuple[str, int | None], BusinessCalendar] = {
        (name, None): calendar for name, calendar in calendars.all().items()
    }
    for (name, version), calendar in calendars.every_version().items():
        every[(name, version)] = calendar
    due_soon = due_soon_from(every, now=now, within=yellow_within)
    counts = MilestoneRepository(session).counts(
        where, now=now, scope=principal.accounts, due_soon=due_soon
    )
    if cache is not None:
        cache.put(key, counts, generation=generation)
    return counts


def record_briefs(session: Session, record_ids: Iterable[str]) -> dict[str, RecordBrief]:
    """What the board shows of each record beside its milestones (subject, tier, …), by id."""
    return ReportRepository(session).briefs(record_ids)


def _closed_health(row: MilestoneRow) -> Health:
    return Health.RED if row.late else Health.GREEN
