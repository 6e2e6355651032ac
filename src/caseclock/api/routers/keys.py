"""``/apikeys``: keys belong to a user or a service account; made, listed and revoked (a new
key's secret is shown once). Admins manage every key; people manage their own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, status
from pydantic import AwareDatetime, BaseModel, Field

from caseclock.api.deps import DbSession, Now, Viewer
from caseclock.api.schemas.common import INT_MAX, PROBLEM_RESPONSES, Strict
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import keys
from caseclock.store.models import ApiKeyRow

router = APIRouter(tags=["access"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class KeyIn(Strict):
    role: Literal["admin", "lead", "agent", "viewer"]
    name: str | None = Field(default=None, max_length=200)
    accounts: list[str] | None = Field(default=None, description="limit the key to these accounts")
    user: str | None = Field(
        default=None, max_length=100, description="the owner's handle (default: yourself)"
    )
    service_account: str | None = Field(
        default=None, max_length=200, description="or a named service account (admins)"
    )
    expires_at: AwareDatetime | None = Field(default=None, description="refused after this")


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: str
    accounts: list[str] | None
    user: int | None = Field(description="the owning user's id, or null for a service account")
    service_account: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="to the minute")
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
        user=row.user_id,
        service_account=row.service_account,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked_at is not None,
    )


@router.post("/apikeys", status_code=status.HTTP_201_CREATED, summary="Create an API key")
def create_key(body: KeyIn, session: DbSession, now: Now, principal: Viewer) -> NewKeyOut:
    made = keys.make_key(
        session,
        keys.KeyRequest(**body.model_dump()),
        by=principal,
        actor=principal.actor,
        now=now,
    )
    return NewKeyOut(**_out(made.row).model_dump(), key=made.secret)


@router.get("/apikeys", summary="List API keys (never their secrets): all for admins, else yours")
def get_keys(session: DbSession, principal: Viewer) -> list[KeyOut]:
    return [_out(row) for row in keys.visible_keys(session, principal)]


@router.delete(
    "/apikeys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key"
)
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=INT_MAX)], session: DbSession, now: Now, principal: Viewer
) -> None:
    keys.revoke_key(session, key_id, by=principal, actor=principal.actor, now=now)
