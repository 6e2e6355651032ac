"""``/inbound/{source}``: helpdesk webhooks, authenticated by their signature, not a key; and
``/inbound-payloads``, the deliveries kept because they could not be mapped (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from caseclock.api.deps import Admin, DbSession, Now, SettingsDep
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import inbound

router = APIRouter(tags=["inbound"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class ReceivedOut(BaseModel):
    status: str
    accepted: int
    duplicate: int
    reasons: list[str]


class InboundPayloadOut(BaseModel):
    id: int
    source: str
    delivery_id: str
    received_at: datetime
    reason: str
    headers: dict[str, Any]
    body: str


@router.post(
    "/inbound/{source}",
    summary="A helpdesk's webhook delivery (Zendesk, Jira Service Management, Zammad, GitHub)",
    description=(
        "Signed with the source's secret (no API key). Mapped payloads become events, the "
        "delivery's id their idempotency key: 200 `accepted`, or `duplicate` for a replay. A "
        "payload that cannot be mapped is kept for inspection and answered 202 `stored`. A bad "
        "or stale signature answers 401 and keeps nothing."
    ),
    responses={202: {"model": ReceivedOut}},
)
async def receive(
    *,
    source: Annotated[str, Path(max_length=50)],
    request: Request,
    response: Response,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
) -> ReceivedOut:
    body = await request.body()
    received = inbound.receive(
        session,
        inbound.sources_from(settings.inbound_file),
        source,
        headers=request.headers,
        body=body,
        now=now,
        future_allowance=settings.clock_skew,
    )
    if received.status == "stored":
        response.status_code = 202
    return ReceivedOut(
        status=received.status,
        accepted=received.accepted,
        duplicate=received.duplicate,
        reasons=received.reasons,
    )


@router.get("/inbound-payloads", summary="Inbound deliveries kept because they did not map")
def list_payloads(
    session: DbSession,
    _admin: Admin,
    source: Annotated[str | None, Query(max_length=50)] = None,
    limit: Annotated[Limit, Query()] = 50,
) -> dict[str, list[InboundPayloadOut]]:
    rows = inbound.stored_payloads(session, source=source, limit=limit)
    return {
        "items": [
            InboundPayloadOut(
                id=r.id,
                source=r.source,
                delivery_id=r.delivery_id,
                received_at=r.received_at,
                reason=r.reason,
                headers=r.headers,
                body=r.body,
            )
            for r in rows
        ]
    }
