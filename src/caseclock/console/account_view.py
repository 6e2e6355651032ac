"""The account page: tier, entitlements and their processes, open records with their health,
and compliance over the last 90 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.console.board import BoardItem, Filters, board
from caseclock.core.milestones import Health
from caseclock.errors import NotFound
from caseclock.services.account_standing import open_by_account
from caseclock.services.accounts import get_account, list_accounts, list_entitlements
from caseclock.services.policy import get_process
from caseclock.services.record_search import RecordFilter
from caseclock.services.records import list_records
from caseclock.services.reports import ComplianceReport, compliance_report
from caseclock.store.models import AccountRow, EntitlementRow, RecordRow

_RANK = {Health.RED: 0, Health.YELLOW: 1, Health.GREEN: 2}


@dataclass(frozen=True, slots=True)
class OpenRecord:
    record: RecordRow
    worst: BoardItem | None  # the open milestone closest to (or furthest past) its deadline

    @property
    def subject(self) -> str | None:
        value = (self.record.fields or {}).get("subject")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class AccountPage:
    account: AccountRow
    entitlements: list[tuple[EntitlementRow, str]]  # with the process's name
    open_records: list[OpenRecord]
    compliance: ComplianceReport


def accounts(
    session: Session, user: ConsoleUser, *, now: datetime
) -> list[tuple[AccountRow, int, int]]:
    """Every visible account with its open milestones and how many are overdue, the accounts
    with the most overdue first."""
    counts = open_by_account(session, user.principal, now=now)
    rows = [
        (a, *counts.get(a.id, (0, 0)))
        for a in list_accounts(session, user.principal, limit=500, offset=0)
    ]
    return sorted(rows, key=lambda r: (-r[2], -r[1], r[0].name.lower()))


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
    items = board(
        session, user, Filters(account=account.id), now=now, yellow_within=yellow_within
    ).items
    worst: dict[str, BoardItem] = {}
    for item in items:  # already ordered by time to breach: the first per record is the worst
        current = worst.get(item.milestone.record_id)
        if current is None or _RANK[item.standing.health] < _RANK[current.standing.health]:
            worst[item.milestone.record_id] = item
    records = list_records(
        session,
        RecordFilter(account=account.id, closed=False),
        user.principal,
        limit=300,
        offset=0,
    )
    open_records = sorted(
        (OpenRecord(r, worst.get(r.id)) for r in records),
        key=lambda o: (
            _RANK[o.worst.standing.health] if o.worst else 3,
            o.worst.standing.remaining or timedelta(0) if o.worst else timedelta(0),
        ),
    )
    return AccountPage(
        account=account,
        entitlements=entitled,
        open_records=open_records,
        compliance=compliance_report(session, user.principal, now=now, days=90, account=account.id),
    )
