"""The at-risk board: open milestones by business time left, with health and live clocks.

Rows come from the repository soonest deadline first; each gets its standing at ``now`` (the
service's ``row_standing``: remaining business time, health by the configured threshold), then
the board is ordered by time to breach, most overdue first and paused clocks last. A row
"ticks" when its calendar is open now: the page's script counts it down until the calendar
closes, and the board refreshes itself from the server well before that matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.milestones import Health, MilestoneState
from caseclock.services.calendars import CalendarCache
from caseclock.services.health import Standing
from caseclock.services.queue import row_standing
from caseclock.services.records import list_records
from caseclock.store.models import MilestoneRow, RecordRow
from caseclock.store.repositories.records import RecordFilter
from caseclock.store.repositories.reports import BoardFilter, BoardRow, ReportRepository

BOARD_LIMIT = 300
HEALTH_TEXT = {Health.RED: "Violated", Health.YELLOW: "At risk", Health.GREEN: "On track"}


class Scope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Filters:
    scope: Scope = Scope.ALL
    tier: str | None = None
    account: str | None = None
    milestone: str | None = None

    @classmethod
    def parse(
        cls, scope: str | None, tier: str | None, account: str | None, milestone: str | None
    ) -> Filters:
        chosen = Scope(scope) if scope in set(Scope) else Scope.ALL
        return cls(chosen, tier or None, account or None, milestone or None)

    def query(self) -> dict[str, str]:
        values = {
            "scope": self.scope.value,
            "tier": self.tier,
            "account": self.account,
            "milestone": self.milestone,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class Tick:
    """How the page's script may run a countdown: only while the calendar is open."""

    ticking: bool
    until_close: float | None  # seconds until the calendar closes; None: never (24x7)


@dataclass(frozen=True, slots=True)
class BoardItem:
    milestone: MilestoneRow
    subject: str | None
    tier: str | None
    priority: str | None
    status: str | None
    standing: Standing
    tick: Tick
    calendar_zone: tzinfo | None

    @property
    def used(self) -> float | None:
        """Share of the target used up, in percent (capped at 100), for the row's small bar."""
        target = self.milestone.target_seconds
        remaining = self.standing.remaining
        if not target or remaining is None:
            return None
        return max(0.0, min(100.0, 100 * (target - remaining.total_seconds()) / target))

    @property
    def health_text(self) -> str:
        if self.standing.state is MilestoneState.PAUSED:
            return "Paused"
        return HEALTH_TEXT[self.standing.health]


@dataclass(slots=True)
class Board:
    filters: Filters
    items: list[BoardItem] = field(default_factory=list)
    missing: list[RecordRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    truncated: bool = False  # more open milestones match than the board shows


def tick_of(calendar: BusinessCalendar | None, state: MilestoneState, now: datetime) -> Tick:
    if state is MilestoneState.PAUSED:
        return Tick(False, None)
    if calendar is None or calendar.spec.always_open:
        return Tick(True, None)
    if not calendar.is_open(now):
        return Tick(False, None)
    closes = calendar.next_close(now)
    return Tick(True, None if closes is None else (closes - now).total_seconds())


def _order(item: BoardItem) -> tuple[int, float]:
    paused = item.standing.state is MilestoneState.PAUSED
    remaining = item.standing.remaining
    return (1 if paused else 0, remaining.total_seconds() if remaining is not None else 1e18)


def board(
    session: Session,
    user: ConsoleUser,
    filters: Filters,
    *,
    now: datetime,
    yellow_within: timedelta,
) -> Board:
    """The board for ``user`` under ``filters`` at ``now``."""
    result = Board(filters=filters)
    where = BoardFilter(tier=filters.tier, account=filters.account, milestone=filters.milestone)
    if filters.scope is Scope.MINE:
        where = replace(where, owner=user.me)
    elif filters.scope is Scope.TEAM:
        if user.team is None:
            result.note = "Sign in with your team to see its milestones; showing none."
            return result
        where = replace(where, team=user.team)
    rows = ReportRepository(session).board(where, scope=user.principal.accounts, limit=BOARD_LIMIT)
    result.truncated = len(rows) >= BOARD_LIMIT
    calendars = CalendarCache(session)
    result.items = sorted((_item(r, calendars, now, yellow_within) for r in rows), key=_order)
    for item in result.items:
        key = "paused" if item.standing.state is MilestoneState.PAUSED else item.standing.health
        result.counts[key] = result.counts.get(key, 0) + 1
    result.missing = list(
        list_records(
            session,
            RecordFilter(closed=False, entitlement_missing=True, account=filters.account),
            user.principal,
            limit=50,
            offset=0,
        )
    )
    return result


def _item(
    row: BoardRow, calendars: CalendarCache, now: datetime, yellow_within: timedelta
) -> BoardItem:
    calendar = calendars.get(row.milestone.calendar)
    standing = row_standing(
        row.milestone, calendars=calendars, now=now, yellow_within=yellow_within
    )
    return BoardItem(
        milestone=row.milestone,
        subject=row.subject,
        tier=row.tier,
        priority=row.priority,
        status=row.status,
        standing=standing,
        tick=tick_of(calendar, standing.state, now),
        calendar_zone=calendar.zone if calendar else None,
    )
