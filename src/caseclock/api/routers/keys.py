"""``/apikeys``: admins make and list keys (a new key's secret is shown once)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from caseclock.api.deps import Admin, DbSession, Now
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Strict
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import access
from caseclock.services.access import list_keys
from caseclock.store.models import ApiKeyRow

router = APIRouter(tags=["access"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class KeyIn(Strict):
    role: Literal["admin", "agent", "viewer"]
    name: str | None = Field(default=None, max_length=200)
    accounts: list[str] | None = Field(default=None, description="limit the key to these accounts")


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: str
    accounts: list[str] | None
    created_at: datetime
    revoked: bool


class NewKeyOut(KeyOut):
    key: str = Field(description="the key itself: shown once, store it now")


def _out(row: ApiKeyRow) -> KeyOut:
    return KeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        role=row.role,
        accounts=row.accounts,
        created_at=row.created_at,
        revoked=row.revoked_at is not None,
    )


@router.post("/apikeys", status_code=status.HTTP_201_CREATED, summary="Create an API key")
def create_key(body: KeyIn, session: DbSession, now: Now, _: Admin) -> NewKeyOut:
    made = access.create_key(
        session, role=body.role, name=body.name, accounts=body.accounts, now=now
    )
    return NewKeyOut(**_out(made.row).model_dump(), key=made.secret)


@router.get("/apikeys", summary="List API keys (never their secrets)")
def get_keys(session: DbSession, _: Admin) -> list[KeyOut]:
    return [_out(row) for row in list_keys(session)]
