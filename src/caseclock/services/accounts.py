"""Accounts, contacts, assets and entitlements, with automatic entitlements.

An account created without an entitlement gets one for the process its tier maps to under the
entitlement rules, so no case of it is ever created without a clock. The automatic entitlement
follows the account: when a change (a new tier) maps it to another process, the old one closes
the day before and one for the new process opens that day. Manual entitlements are never
touched, and records keep the process version they started with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services import audit
from caseclock.services.access import Principal
from caseclock.services.assignment import ProcessChooser
from caseclock.services.evaluation import account_facts
from caseclock.store.models import AccountRow, AssetRow, ContactRow, EntitlementRow
from caseclock.store.repositories.account_milestones import (
    AccountFilter,
    AccountMilestoneRepository,
)
from caseclock.store.repositories.customers import (
    AccountRepository,
    AssetRepository,
    ContactRepository,
    EntitlementRepository,
)
from caseclock.store.repositories.policy import ProcessRepository


@dataclass(frozen=True, slots=True)
class AccountInput:
    id: str
    name: str
    tier: str | None = None
    region: str | None = None
    start_date: date | None = None
    renewal_date: date | None = None
    fields: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class EntitlementInput:
    account: str
    process: str
    name: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    contact: str | None = None
    asset: str | None = None


def get_account(session: Session, account_id: str, principal: Principal) -> AccountRow:
    row = AccountRepository(session).get(account_id)
    if row is None or not principal.sees_account(row.id):
        raise NotFound(f"no account {account_id!r}")
    return row


def list_accounts(
    session: Session, principal: Principal, *, limit: int, offset: int
) -> Sequence[AccountRow]:
    return AccountRepository(session).list(scope=principal.accounts, limit=limit, offset=offset)


@dataclass(frozen=True, slots=True)
class AccountQuery:
    """A segment of the accounts list: in ``phase`` on ``today``, renewing within
    ``renewal_within`` days (today included), and/or matching ``search`` (id or name)."""

    today: date
    phase: str | None = None
    renewal_within: int | None = None
    search: str | None = None

    def where(self) -> AccountFilter:
        until = None
        if self.renewal_within is not None:
            until = self.today + timedelta(days=self.renewal_within)
        return AccountFilter(
            today=self.today, phase=self.phase, renewal_until=until, search=self.search
        )


def find_accounts(
    session: Session,
    query: AccountQuery,
    principal: Principal,
    *,
    limit: int | None,
    offset: int = 0,
) -> tuple[Sequence[AccountRow], dict[str, str]]:
    """The accounts of a segment (every one when ``limit`` is None), with the phase each is in
    on ``query.today``."""
    repo = AccountMilestoneRepository(session)
    rows = repo.accounts(query.where(), scope=principal.accounts, limit=limit, offset=offset)
    return rows, repo.phases_on([r.id for r in rows], query.today)


@dataclass(frozen=True, slots=True)
class SegmentPage:
    """A page of a segment: its accounts with the phase each is in, and the segment's size."""

    accounts: list[AccountRow]
    phases: dict[str, str]
    total: int


def segment_page(
    session: Session, query: AccountQuery, principal: Principal, *, limit: int, offset: int = 0
) -> SegmentPage:
    """A page of the segment, each account's phase on ``query.today`` and the segment's size,
    read in one statement (what the API's list and a paged list need)."""
    found, total = AccountMilestoneRepository(session).segment_page(
        query.where(), scope=principal.accounts, limit=limit, offset=offset
    )
    return SegmentPage(
        [row for row, _ in found], {row.id: phase for row, phase in found if phase}, total
    )


@dataclass(frozen=True, slots=True)
class RankedAccount:
    """An account of a segment with its phase and its open and overdue milestones."""

    account: AccountRow
    phase: str | None
    open_milestones: int
    overdue: int


def most_overdue(
    session: Session,
    query: AccountQuery,
    principal: Principal,
    *,
    now: datetime,
    limit: int,
) -> tuple[list[RankedAccount], int]:
    """The segment's first ``limit`` accounts, those with the most overdue milestones (case
    and customer ones) first, and the segment's size, read in one statement."""
    found, total = AccountMilestoneRepository(session).ranked(
        query.where(), scope=principal.accounts, now=now, limit=limit
    )
    return [RankedAccount(*row) for row in found], total


def phase_of(session: Session, account_id: str, today: date) -> str | None:
    """The lifecycle phase the account is in on ``today`` (None without lifecycle milestones)."""
    return AccountMilestoneRepository(session).phases_on([account_id], today).get(account_id)


def count_accounts(session: Session, query: AccountQuery, principal: Principal) -> int:
    return AccountMilestoneRepository(session).count_accounts(
        query.where(), scope=principal.accounts
    )


def create_account(
    session: Session, data: AccountInput, principal: Principal, *, now: datetime
) -> tuple[AccountRow, EntitlementRow | None]:
    """Create an account and, when the rules map its tier to a process, its entitlement."""
    if not principal.sees_account(data.id):
        raise NotFound(f"no account {data.id!r} for this key", path="id")
    repo = AccountRepository(session)
    if repo.get(data.id) is not None:
        raise Conflict(f"account {data.id!r} already exists", path="id")
    _check_dates(data.start_date, data.renewal_date)
    row = repo.add(
        AccountRow(
            id=data.id,
            name=data.name,
            tier=data.tier,
            region=data.region,
            start_date=data.start_date,
            renewal_date=data.renewal_date,
            fields=data.fields or {},
            created_at=now,
            updated_at=now,
        )
    )
    return row, ensure_entitlement(session, row, now=now)


def ensure_entitlement(
    session: Session, account: AccountRow, *, now: datetime, valid_from: date | None = None
) -> EntitlementRow | None:
    """Give ``account`` an automatic entitlement, from ``valid_from`` (default: its start
    date, or today), when it has none valid on that day."""
    repo = EntitlementRepository(session)
    if repo.active_for_accounts({account.id}, valid_from or now.date()):
        return None
    key = _process_by_rules(session, account, now=now)
    if key is None:
        return None
    return repo.add(
        EntitlementRow(
            account_id=account.id,
            name=f"{account.tier or 'Default'} support (automatic)",
            process_key=key,
            valid_from=valid_from or account.start_date or now.date(),
            valid_to=None,
            source="automatic",
            created_at=now,
        )
    )


def follow_rules(session: Session, account: AccountRow, *, now: datetime) -> EntitlementRow | None:
    """Keep the account's automatic entitlement on the process the rules give it now.

    Automatic entitlements for another process that are still open close the day before the
    change, and one for the rules' process opens that day (or on the account's start, if
    later), unless a manual entitlement is valid then, as on creation. Returns the new one.
    """
    today = now.date()
    opens = max(today, account.start_date or today)
    key = _process_by_rules(session, account, now=now)
    repo = EntitlementRepository(session)
    open_automatic = [
        e
        for e in repo.for_account(account.id)
        if e.source == "automatic" and (e.valid_to is None or e.valid_to >= opens)
    ]
    if any(e.process_key == key for e in open_automatic):
        return None
    for entitlement in open_automatic:
        entitlement.valid_to = opens - timedelta(days=1)
    session.flush()
    return ensure_entitlement(session, account, now=now, valid_from=opens)


def _process_by_rules(session: Session, account: AccountRow, *, now: datetime) -> str | None:
    """The process the entitlement rules map the account to, if that process exists."""
    facts = account_facts(account) or {}
    key = ProcessChooser(session).by_rules(facts, facts, now)
    if key is None or ProcessRepository(session).latest(key) is None:
        return None
    return key


def update_account(
    session: Session,
    account_id: str,
    changes: dict[str, Any],
    principal: Principal,
    *,
    now: datetime,
) -> AccountRow:
    row = get_account(session, account_id, principal)
    for name, value in changes.items():
        setattr(row, name, value)
    _check_dates(row.start_date, row.renewal_date)
    row.updated_at = now
    session.flush()
    follow_rules(session, row, now=now)
    return row


def _check_dates(start: date | None, renewal: date | None) -> None:
    if start is not None and renewal is not None and renewal < start:
        raise ValidationFailed("the renewal date is before the start date", path="renewal_date")


def add_entitlement(
    session: Session, data: EntitlementInput, principal: Principal, *, now: datetime
) -> EntitlementRow:
    account = get_account(session, data.account, principal)
    if ProcessRepository(session).latest(data.process) is None:
        raise ValidationFailed(f"no process with key {data.process!r}", path="process")
    valid_from = data.valid_from or now.date()
    if data.valid_to is not None and data.valid_to < valid_from:
        raise ValidationFailed("valid_to is before valid_from", path="valid_to")
    if data.contact is not None:
        contact = ContactRepository(session).get(data.contact)
        if contact is None or contact.account_id != account.id:
            raise ValidationFailed(f"no contact {data.contact!r} on this account", path="contact")
    if data.asset is not None:
        asset = AssetRepository(session).get(data.asset)
        if asset is None or asset.account_id != account.id:
            raise ValidationFailed(f"no asset {data.asset!r} on this account", path="asset")
    row = EntitlementRepository(session).add(
        EntitlementRow(
            account_id=account.id,
            contact_id=data.contact,
            asset_id=data.asset,
            name=data.name or f"{data.process} entitlement",
            process_key=data.process,
            valid_from=valid_from,
            valid_to=data.valid_to,
            source="manual",
            created_at=now,
        )
    )
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.ENTITLEMENT,
        target=account.id,
        action="create",
        at=now,
        details={"id": row.id, "process": data.process, "valid_from": valid_from.isoformat()},
    )
    return row


def list_entitlements(
    session: Session, account_id: str, principal: Principal
) -> Sequence[EntitlementRow]:
    account = get_account(session, account_id, principal)
    return EntitlementRepository(session).for_account(account.id)


def add_contact(
    session: Session,
    *,
    contact_id: str,
    account_id: str,
    name: str,
    email: str | None,
    principal: Principal,
    now: datetime,
) -> ContactRow:
    get_account(session, account_id, principal)
    repo = ContactRepository(session)
    if repo.get(contact_id) is not None:
        raise Conflict(f"contact {contact_id!r} already exists", path="id")
    return repo.add(
        ContactRow(id=contact_id, account_id=account_id, name=name, email=email, created_at=now)
    )


def add_asset(
    session: Session,
    *,
    asset_id: str,
    account_id: str,
    name: str,
    product: str | None,
    principal: Principal,
    now: datetime,
) -> AssetRow:
    get_account(session, account_id, principal)
    repo = AssetRepository(session)
    if repo.get(asset_id) is not None:
        raise Conflict(f"asset {asset_id!r} already exists", path="id")
    return repo.add(
        AssetRow(id=asset_id, account_id=account_id, name=name, product=product, created_at=now)
    )
