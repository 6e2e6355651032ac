"""``/accounts``, ``/contacts``, ``/assets`` and ``/entitlements``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from caseclock.api.deps import Agent, CurrentAccount, DbSession, Now, Viewer
from caseclock.api.schemas.accounts import (
    AccountCreated,
    AccountIn,
    AccountOut,
    AccountPatch,
    AssetIn,
    AssetOut,
    ContactIn,
    ContactOut,
    EntitlementIn,
    EntitlementOut,
)
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit, Offset
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import accounts
from caseclock.store.models import AccountRow, EntitlementRow

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


def account_out(row: AccountRow, phase: str | None = None) -> AccountOut:
    return AccountOut(
        phase=phase,
        id=row.id,
        name=row.name,
        tier=row.tier,
        region=row.region,
        start_date=row.start_date,
        renewal_date=row.renewal_date,
        fields=row.fields or {},
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def entitlement_out(row: EntitlementRow) -> EntitlementOut:
    return EntitlementOut(
        id=row.id,
        account=row.account_id,
        name=row.name,
        process=row.process_key,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        contact=row.contact_id,
        asset=row.asset_id,
        source=row.source,
        created_at=row.created_at,
    )


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account (with an automatic entitlement from the rules when one applies)",
)
def create_account(
    body: AccountIn, session: DbSession, now: Now, principal: Agent
) -> AccountCreated:
    row, entitlement = accounts.create_account(
        session, accounts.AccountInput(**body.model_dump()), principal, now=now
    )
    return AccountCreated(
        **account_out(row).model_dump(),
        automatic_entitlement=entitlement_out(entitlement) if entitlement else None,
    )


@router.get("/accounts", summary="List accounts (by lifecycle phase, renewal window, name)")
def list_accounts(
    *,
    session: DbSession,
    principal: Viewer,
    now: Now,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
    phase: Annotated[
        str | None, Query(max_length=50, description="in this lifecycle phase today")
    ] = None,
    renewal_within: Annotated[
        int | None, Query(ge=0, le=3660, description="renewing within this many days")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="part of the id or name")] = None,
) -> list[AccountOut]:
    query = accounts.AccountQuery(
        today=now.date(), phase=phase, renewal_within=renewal_within, search=q
    )
    page = accounts.segment_page(session, query, principal, limit=limit, offset=offset)
    return [account_out(row, page.phases.get(row.id)) for row in page.accounts]


@router.get("/accounts/{account_id}", summary="One account")
def get_account(account: CurrentAccount) -> AccountOut:
    return account_out(account)


@router.patch("/accounts/{account_id}", summary="Change an account's fields")
def update_account(
    account_id: str, body: AccountPatch, session: DbSession, now: Now, principal: Agent
) -> AccountOut:
    changes = body.model_dump(exclude_unset=True)
    row = accounts.update_account(session, account_id, changes, principal, now=now)
    return account_out(row)


@router.post("/entitlements", status_code=status.HTTP_201_CREATED, summary="Add an entitlement")
def create_entitlement(
    body: EntitlementIn, session: DbSession, now: Now, principal: Agent
) -> EntitlementOut:
    row = accounts.add_entitlement(
        session, accounts.EntitlementInput(**body.model_dump()), principal, now=now
    )
    return entitlement_out(row)


@router.get("/accounts/{account_id}/entitlements", summary="An account's entitlements")
def list_entitlements(
    account: CurrentAccount, session: DbSession, principal: Viewer
) -> list[EntitlementOut]:
    return [entitlement_out(r) for r in accounts.list_entitlements(session, account.id, principal)]


@router.post("/contacts", status_code=status.HTTP_201_CREATED, summary="Add a contact")
def create_contact(body: ContactIn, session: DbSession, now: Now, principal: Agent) -> ContactOut:
    row = accounts.add_contact(
        session,
        contact_id=body.id,
        account_id=body.account,
        name=body.name,
        email=body.email,
        principal=principal,
        now=now,
    )
    return ContactOut(id=row.id, account=row.account_id, name=row.name, email=row.email)


@router.post("/assets", status_code=status.HTTP_201_CREATED, summary="Add an asset")
def create_asset(body: AssetIn, session: DbSession, now: Now, principal: Agent) -> AssetOut:
    row = accounts.add_asset(
        session,
        asset_id=body.id,
        account_id=body.account,
        name=body.name,
        product=body.product,
        principal=principal,
        now=now,
    )
    return AssetOut(id=row.id, account=row.account_id, name=row.name, product=row.product)
