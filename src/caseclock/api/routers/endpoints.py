"""``/endpoints``: named webhook and chat targets (admin only; secrets are never returned)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from caseclock.api.deps import Admin, DbSession, Now, SettingsDep
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Strict
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import audit
from caseclock.services.endpoints import list_endpoints, register_endpoint
from caseclock.store.models import EndpointRow

router = APIRouter(tags=["actions"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class EndpointIn(Strict):
    name: str = Field(
        min_length=1,
        max_length=100,
        description="what policies call it: `{type: webhook, endpoint: ops}`",
    )
    kind: Literal["webhook", "chat"]
    url: str = Field(min_length=1, max_length=2000)
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=500,
        description="HMAC-SHA256 signing secret (webhooks); write-only",
    )


class EndpointOut(BaseModel):
    name: str
    kind: str
    url: str
    has_secret: bool
    created_at: datetime
    updated_at: datetime


def _out(row: EndpointRow) -> EndpointOut:
    return EndpointOut(
        name=row.name,
        kind=row.kind,
        url=row.url,
        has_secret=bool(row.secret),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.post(
    "/endpoints",
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook or chat endpoint (again: replace its URL and secret)",
)
def post_endpoint(
    body: EndpointIn,
    *,
    session: DbSession,
    now: Now,
    response: Response,
    settings: SettingsDep,
    principal: Admin,
) -> EndpointOut:
    """The URL must be one a delivery may go to: http(s), no control characters, never a
    link-local or cloud-metadata host; a private or loopback host only when the installation
    sets ``CASECLOCK_ALLOW_PRIVATE_ENDPOINTS``. Anything else is a 422 naming ``url``."""
    row, created = register_endpoint(
        session,
        name=body.name,
        kind=body.kind,
        url=body.url,
        secret=body.secret,
        now=now,
        allow_private=settings.allow_private_endpoints,
    )
    audit.record(
        session,
        actor=principal.actor,
        kind=audit.Kind.ENDPOINT,
        target=row.name,
        action="create" if created else "replace",
        at=now,
        details={"kind": row.kind, "url": row.url, "has_secret": bool(row.secret)},
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _out(row)


@router.get("/endpoints", summary="List endpoints (never their secrets)")
def get_endpoints(session: DbSession, _: Admin) -> list[EndpointOut]:
    return [_out(row) for row in list_endpoints(session)]
