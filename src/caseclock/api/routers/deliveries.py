"""``/deliveries``: the outbox, for looking after dead letters (``?state=failed``); admin only,
as deliveries carry record details of every account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from caseclock.api.deps import Admin, DbSession, Now
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit, Offset, RowId
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import outbox
from caseclock.store.models import DeliveryRow

router = APIRouter(tags=["actions"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class DeliveryOut(BaseModel):
    id: int
    key: str
    record: str
    channel: str
    target: str | None
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    document: dict[str, Any]


def _out(row: DeliveryRow) -> DeliveryOut:
    target = row.endpoint or row.url or ", ".join(row.recipients or []) or None
    return DeliveryOut(
        id=row.id,
        key=row.key,
        record=row.record_id,
        channel=row.channel,
        target=target,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_code=row.last_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        document=row.document,
    )


@router.get("/deliveries", summary="Deliveries, newest first; ?state=failed lists dead letters")
def get_deliveries(
    session: DbSession,
    _: Admin,
    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    record: Annotated[str | None, Query(description="one record's deliveries")] = None,
    limit: Annotated[Limit, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> list[DeliveryOut]:
    rows = outbox.list_deliveries(
        session, state=state, record_id=record, limit=limit, offset=offset
    )
    return [_out(row) for row in rows]


@router.post(
    "/deliveries/{delivery_id}/retry",
    summary="Send a dead-lettered delivery again (a fresh round of attempts, the same key)",
)
def retry_delivery(
    delivery_id: Annotated[RowId, Path()], session: DbSession, now: Now, _: Admin
) -> DeliveryOut:
    return _out(outbox.retry(session, delivery_id, now=now))
