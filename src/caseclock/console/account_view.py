"""The account page: tier, entitlements and their processes, open records with their health,
and compliance over the last 90 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.console.board import BoardItem, Filters, View, board
from caseclock.errors import NotFound
from caseclock.services.account_standing import open_by_account
from caseclock.services.accounts import get_account, list_accounts, list_entitlements
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
    return AccountPage(
        account=account,
        entitlements=entitled,
        open_records=open_records,
        compliance=compliance_report(session, user.principal, now=now, days=90, account=account.id),
    )
