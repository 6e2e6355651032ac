"""Queries over accounts, contacts, assets and entitlements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import cast

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from caseclock.store.bulk import among
from caseclock.store.models import AccountRow, AssetRow, ContactRow, EntitlementRow

ACCOUNTS = cast(Table, AccountRow.__table__)
ENTITLEMENTS = cast(Table, EntitlementRow.__table__)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: str) -> AccountRow | None:
        return self.session.get(AccountRow, account_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, AccountRow]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(AccountRow).where(among(self.session, ACCOUNTS.c.id, wanted))
        ).all()
        return {row.id: row for row in rows}

    def list(
        self, *, scope: frozenset[str] | None, limit: int, offset: int
    ) -> Sequence[AccountRow]:
        query = select(AccountRow).order_by(AccountRow.id).limit(limit).offset(offset)
        if scope is not None:
            query = query.where(AccountRow.id.in_(scope))
        return self.session.scalars(query).all()

    def add(self, row: AccountRow) -> AccountRow:
        self.session.add(row)
        self.session.flush()
        return row


class ContactRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, contact_id: str) -> ContactRow | None:
        return self.session.get(ContactRow, contact_id)

    def add(self, row: ContactRow) -> ContactRow:
        self.session.add(row)
        self.session.flush()
        return row


class AssetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, asset_id: str) -> AssetRow | None:
        return self.session.get(AssetRow, asset_id)

    def add(self, row: AssetRow) -> AssetRow:
        self.session.add(row)
        self.session.flush()
        return row


class EntitlementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_account(self, account_id: str) -> Sequence[EntitlementRow]:
        return self.session.scalars(
            select(EntitlementRow)
            .where(EntitlementRow.account_id == account_id)
            .order_by(EntitlementRow.id)
        ).all()

    def active_for_accounts(
        self, account_ids: Iterable[str], on: date
    ) -> dict[str, list[EntitlementRow]]:
        """Entitlements valid on ``on``, per account, oldest first."""
        wanted = set(account_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(EntitlementRow)
            .where(
                among(self.session, ENTITLEMENTS.c.account_id, wanted),
                EntitlementRow.valid_from <= on,
                or_(EntitlementRow.valid_to.is_(None), EntitlementRow.valid_to >= on),
            )
            .order_by(EntitlementRow.id)
        ).all()
        found: dict[str, list[EntitlementRow]] = {}
        for row in rows:
            found.setdefault(row.account_id, []).append(row)
        return found

    def add(self, row: EntitlementRow) -> EntitlementRow:
        self.session.add(row)
        self.session.flush()
        return row
