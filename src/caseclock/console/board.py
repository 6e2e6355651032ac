"""The at-risk board: open milestones with health and live clocks, soonest breach first.

Rows come from the at-risk queue service in the order asked for: soonest breach first (the
wall-clock deadline) or least time left first (each milestone in its own basis), one row per
milestone or one per record (its next breach). The summary counts are the service's counts of
the whole filtered queue, however many rows the board shows. A row "ticks" when its clock runs
now: the page's script counts it down until the calendar closes, and the board refreshes itself
from the server well before that matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.core.account_clock import is_customer_record
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.milestones import Basis, Health, MilestoneState
from caseclock.core.standing import Standing
from caseclock.services.at_risk import (
    CountsCache,
    Order,
    QueueCounts,
    QueueFilter,
    milestone_queue,
    queue_counts,
    record_briefs,
)
from caseclock.services.calendars import CalendarCache
from caseclock.services.insights.panels import record_insights
from caseclock.services.insights.scoring import RiskView
from caseclock.services.insights.stored_risk import queue_by_risk
from caseclock.services.record_search import RecordFilter
from caseclock.services.records import list_records
from caseclock.store.models import MilestoneRow, RecordRow

BOARD_LIMIT = 300
KINDS = {"customer": "Customer milestones", "case": "Case milestones"}
HEALTH_TEXT = {Health.RED: "Violated", Health.YELLOW: "At risk", Health.GREEN: "On track"}


class Scope(StrEnum):
    MINE = "mine"
    TEAM = "team"
    ALL = "all"


class View(StrEnum):
    MILESTONES = "milestones"  # one row per open milestone
    RECORDS = "records"  # one row per record: its next breach


@dataclass(frozen=True, slots=True)
class Filters:
    scope: Scope = Scope.ALL
    tier: str | None = None
    account: str | None = None
    milestone: str | None = None
    order: Order = Order.DEADLINE
    view: View = View.MILESTONES
    risk_first: bool = False  # highest breach risk first (the whole queue, by stored risk)
    kind: str | None = None  # "customer" or "case" milestones only

    @property
    def order_value(self) -> str:
        """The order as the page's select names it (``risk``: highest breach risk first)."""
        return "risk" if self.risk_first else self.order.value

    @property
    def active(self) -> int:
        """How many filters narrow the queue (whose, tier, account, milestone, kind); the
        order and the rows only arrange it."""
        narrowing = (self.tier, self.account, self.milestone, self.kind)
        return (self.scope is not Scope.ALL) + sum(value is not None for value in narrowing)

    @classmethod
    def parse(
        cls,
        *,
        scope: str | None,
        tier: str | None,
        account: str | None,
        milestone: str | None,
        order: str | None = None,
        view: str | None = None,
        kind: str | None = None,
    ) -> Filters:
        return cls(
            Scope(scope) if scope in set(Scope) else Scope.ALL,
            tier or None,
            account or None,
            milestone or None,
            Order.TIME_LEFT if order == Order.TIME_LEFT else Order.DEADLINE,
            View(view) if view in set(View) else View.MILESTONES,
            order == "risk",
            kind if kind in KINDS else None,
        )

    def query(self) -> dict[str, str]:
        values = {
            "scope": self.scope.value,
            "tier": self.tier,
            "account": self.account,
            "milestone": self.milestone,
            "order": None if self.order_value == Order.DEADLINE else self.order_value,
            "view": None if self.view is View.MILESTONES else self.view.value,
            "kind": self.kind,
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
    risk: RiskView | None = None
    blocker: str | None = None  # "waiting on customer: log files, 2 days"

    @property
    def used(self) -> float | None:
        """Share of the target used up, in percent (capped at 100), for the row's small bar."""
        target = self.milestone.target_seconds
        remaining = self.standing.remaining
        if not target or remaining is None:
            return None
        return max(0.0, min(100.0, 100 * (target - remaining.total_seconds()) / target))

    @property
    def left_word(self) -> str:
        """What follows the figure while time is left: it names the basis."""
        return left_words(self.business)[0]

    @property
    def over_word(self) -> str:
        """What follows the figure once past the deadline."""
        return left_words(self.business)[1]

    @property
    def business(self) -> bool:
        """Whether the milestone counts business time (else calendar time)."""
        return self.standing.basis is Basis.BUSINESS

    @property
    def customer(self) -> bool:
        """A customer milestone of an account (its page, not a record's, explains it)."""
        return is_customer_record(self.milestone.record_id)

    @property
    def health_text(self) -> str:
        if self.standing.state is MilestoneState.PAUSED:
            return "Paused"
        return HEALTH_TEXT[self.standing.health]


@dataclass(slots=True)
class Board:
    filters: Filters
    counts: QueueCounts
    items: list[BoardItem] = field(default_factory=list)
    missing: list[RecordRow] = field(default_factory=list)
    note: str | None = None
    truncated: bool = False  # more rows match than the board shows


def left_words(business: bool) -> tuple[str, str]:
    """The words after a time-left figure, (left, over): "2h 05m business time left" on a
    business-hours clock, "6d 7h left" on calendar time; "overdue" once past the deadline."""
    if business:
        return ("business time left", "business time overdue")
    return ("left", "overdue")


def tick_of(
    calendar: BusinessCalendar | None, basis: Basis, state: MilestoneState, now: datetime
) -> Tick:
    """Whether a milestone's countdown runs at ``now``, and for how long: a calendar-time
    milestone counts every hour, so only a business-time one stops when its calendar closes."""
    if state is MilestoneState.PAUSED:
        return Tick(False, None)
    if basis is not Basis.BUSINESS or calendar is None or calendar.spec.always_open:
        return Tick(True, None)
    if not calendar.is_open(now):
        return Tick(False, None)
    closes = calendar.next_close(now)
    return Tick(True, None if closes is None else (closes - now).total_seconds())


def board(
    session: Session,
    user: ConsoleUser,
    filters: Filters,
    *,
    now: datetime,
    yellow_within: timedelta,
    counts_cache: CountsCache | None = None,
) -> Board:
    """The board for ``user`` under ``filters`` at ``now``."""
    result = Board(filters=filters, counts=QueueCounts(at=now))
    where = QueueFilter(
        open_only=True,
        tier=filters.tier,
        account=filters.account,
        milestone=filters.milestone,
        kind=filters.kind,
    )
    if filters.scope is Scope.MINE:
        where = replace(where, owner=user.me)
    elif filters.scope is Scope.TEAM:
        if not user.teams:
            result.note = "Sign in with your team to see its milestones; showing none."
            return result
        where = replace(where, teams=frozenset(user.teams))
    principal = user.principal
    if filters.risk_first:  # the whole filtered queue by stored risk, in SQL
        found = queue_by_risk(
            session,
            where,
            principal,
            now=now,
            per_record=filters.view is View.RECORDS,
            limit=BOARD_LIMIT,
            yellow_within=yellow_within,
        )
    else:
        found = milestone_queue(
            session,
            where,
            principal,
            now=now,
            order=filters.order,
            per_record=filters.view is View.RECORDS,
            limit=BOARD_LIMIT,
            offset=0,
            yellow_within=yellow_within,
        )
    result.counts = queue_counts(
        session, where, principal, now=now, yellow_within=yellow_within, cache=counts_cache
    )
    result.truncated = len(found) >= BOARD_LIMIT
    calendars = CalendarCache(session)
    briefs = record_briefs(session, {item.row.record_id for item in found})
    insights = record_insights(session, {item.row.record_id for item in found}, now)
    for item in found:
        calendar = calendars.get(item.row.calendar, item.row.calendar_version)
        brief = briefs.get(item.row.record_id)
        result.items.append(
            BoardItem(
                milestone=item.row,
                subject=brief.subject if brief else None,
                tier=brief.tier if brief else None,
                priority=brief.priority if brief else None,
                status=brief.status if brief else None,
                standing=item.standing,
                tick=tick_of(calendar, item.standing.basis, item.standing.state, now),
                calendar_zone=calendar.zone if calendar else None,
                risk=insights[item.row.record_id].risks.get((item.row.key, item.row.cycle)),
                blocker=insights[item.row.record_id].first_blocker,
            )
        )
    if filters.risk_first:  # the rows shown, by their risk at this instant
        result.items.sort(key=_risk_order)
    result.missing = list(
        list_records(
            session,
            RecordFilter(closed=False, entitlement_missing=True, account=filters.account),
            principal,
            limit=50,
            offset=0,
        )
    )
    return result


def _risk_order(item: BoardItem) -> float:
    """Highest risk first; rows without a figure after those with one, in their order."""
    risk = item.risk
    return -(risk.probability if risk is not None and risk.probability is not None else -1.0)
