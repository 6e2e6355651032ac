"""The accounts list (a segment by lifecycle phase, renewal window and name; most overdue
first) and the account page: lifecycle phase and pinned dates, customer milestones with their
progress, tasks and collaborators, entitlements, open records with their health, and compliance
over the last 90 days. "Today" is the reader's date, in their zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.console.board import BoardItem, Filters, View, board
from caseclock.core.account_plans import Plan
from caseclock.core.milestone_status import Status
from caseclock.errors import NotFound
from caseclock.services import plans
from caseclock.services.access import Role
from caseclock.services.account_clock import actions_of
from caseclock.services.accounts import (
    AccountQuery,
    RankedAccount,
    find_accounts,
    get_account,
    list_entitlements,
    most_overdue,
    phase_of,
)
from caseclock.services.milestone_work import MilestoneView, account_milestones
from caseclock.services.policy import get_process
from caseclock.services.record_search import RecordFilter
from caseclock.services.records import list_records
from caseclock.services.reports import ComplianceReport, compliance_report
from caseclock.store.models import AccountRow, EntitlementRow, RecordRow


@dataclass(frozen=True, slots=True)
class OpenRecord:
    record: RecordRow
    next_breach: BoardItem | None  # the open milestone with the soonest deadline

    @property
    def subject(self) -> str | None:
        value = (self.record.fields or {}).get("subject")
        return value if isinstance(value, str) else None


# How a status reads on the page: the board's colours (stuck is striped like late).
STATUS_BADGE = {
    Status.ON_TRACK: "green",
    Status.DUE_SOON: "yellow",
    Status.OVERDUE: "red",
    Status.DONE: "done",
    Status.STUCK: "late",
}
PHASES = ("introduction", "adoption", "retention", "renewal")
RENEWAL_WINDOWS = (30, 60, 90, 180)
LIST_LIMIT = 500  # accounts shown on the page; the CSV has every one of the segment


PEOPLE = frozenset({"owner", "team", "collaborators", "team_lead"})


@dataclass(frozen=True, slots=True)
class Milestone:
    """A customer milestone as the page shows it, and whether the reader may work on it."""

    view: MilestoneView
    badge: str
    can_work: bool

    @property
    def done_tasks(self) -> int:
        return sum(1 for t in self.view.tasks if t.done_at is not None and t.kind == "task")

    @property
    def task_count(self) -> int:
        return sum(1 for t in self.view.tasks if t.kind == "task")

    @property
    def overdue_words(self) -> str:
        """Who its violation reaches, in words: "emails the owner and the team"."""
        actions = actions_of(self.view.row).violation.do
        if not actions:
            return "alerts nobody"
        names = []
        for action in (a for a in actions if a.type == "email"):
            to = action.to or "owner"
            names.append(f"the {to.replace('_', ' ')}" if to in PEOPLE else to)
        others = [a.type for a in actions if a.type != "email"]
        said = [f"emails {' and '.join(names)}"] if names else []
        return ", ".join([*said, *(f"posts a {kind}" for kind in others)])


@dataclass(frozen=True, slots=True)
class AccountPage:
    account: AccountRow
    entitlements: list[tuple[EntitlementRow, str]]  # with the process's name
    open_records: list[OpenRecord]
    compliance: ComplianceReport
    today: date
    phase: str | None
    pinned: list[tuple[str, date, str]]  # label, due date, milestone name
    milestones: list[Milestone]
    plans: list[Plan]
    can_edit: bool

    @property
    def open_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.view.row.completed_at is None]

    @property
    def done_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if m.view.row.completed_at is not None]


@dataclass(frozen=True, slots=True)
class AccountList:
    query: AccountQuery
    rows: list[RankedAccount]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def reader_today(user: ConsoleUser, now: datetime) -> date:
    return now.astimezone(user.zone).date()


def accounts(
    session: Session, user: ConsoleUser, query: AccountQuery, *, now: datetime
) -> AccountList:
    """The segment's accounts with their phase, open SLA milestones and how many are overdue,
    the most overdue first (the first ``LIST_LIMIT``)."""
    found, total = most_overdue(session, query, user.principal, now=now, limit=LIST_LIMIT)
    return AccountList(query, found, total)


def segment_rows(session: Session, user: ConsoleUser, query: AccountQuery) -> list[list[str]]:
    """The whole segment as CSV rows, header first (cells as ``services.report_csv`` keeps
    them: text a spreadsheet does not run)."""
    found, phases = find_accounts(session, query, user.principal, limit=None)
    header = ["account", "name", "tier", "region", "phase", "customer_since", "renewal_date"]
    body: Sequence[list[str]] = [
        [
            a.id,
            a.name,
            a.tier or "",
            a.region or "",
            phases.get(a.id, ""),
            a.start_date.isoformat() if a.start_date else "",
            a.renewal_date.isoformat() if a.renewal_date else "",
        ]
        for a in found
    ]
    return [header, *body]


def account_page(
    session: Session,
    user: ConsoleUser,
    account_id: str,
    *,
    now: datetime,
    yellow_within: timedelta,
) -> AccountPage:
    account = get_account(session, account_id, user.principal)
    entitled = []
    for row in list_entitlements(session, account.id, user.principal):
        try:
            name = get_process(session, row.process_key, None).name
        except NotFound:
            name = f"{row.process_key} (not loaded)"
        entitled.append((row, name))
    shown = Filters(account=account.id, view=View.RECORDS)
    items = board(session, user, shown, now=now, yellow_within=yellow_within).items
    next_breach = {item.milestone.record_id: item for item in items}
    records = list_records(
        session,
        RecordFilter(account=account.id, closed=False),
        user.principal,
        limit=300,
        offset=0,
    )
    order = {record_id: place for place, record_id in enumerate(next_breach)}
    open_records = sorted(
        (OpenRecord(r, next_breach.get(r.id)) for r in records),
        key=lambda o: order.get(o.record.id, len(order)),
    )
    today = reader_today(user, now)
    views = account_milestones(session, account.id, user.principal, today=today)
    agent = user.principal.at_least(Role.AGENT)
    milestones = [
        Milestone(
            view,
            STATUS_BADGE[view.status],
            agent or any(u.handle == user.me for u in view.collaborators),
        )
        for view in views
    ]
    pinned = sorted(
        (v.row.pin, v.row.due_on, v.row.name)
        for v in views
        if v.row.pin is not None and v.row.completed_at is None
    )
    return AccountPage(
        account=account,
        entitlements=entitled,
        open_records=open_records,
        compliance=compliance_report(session, user.principal, now=now, days=90, account=account.id),
        today=today,
        phase=phase_of(session, account.id, today),
        pinned=pinned,
        milestones=milestones,
        plans=[entry.plan for entry in plans.list_plans(session)],
        can_edit=agent,
    )
