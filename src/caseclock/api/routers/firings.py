"""``/firings/held``: records whose firing kept failing, held with the error until an admin
releases them (``services.firing_holds``); admin only, like the dead letters of
``/deliveries``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel

from caseclock.api.deps import Admin, DbSession, Now
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import firing_holds
from caseclock.store.models import FiringHoldRow

router = APIRouter(tags=["actions"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class FiringHoldOut(BaseModel):
    record: str
    state: Literal["retrying", "held"]
    failures: int
    error: str
    first_failed_at: datetime
    failed_at: datetime
    retry_at: datetime | None
    held_at: datetime | None


def _out(row: FiringHoldRow) -> FiringHoldOut:
    return FiringHoldOut(
        record=row.record_id,
        state="held" if row.held_at is not None else "retrying",
        failures=row.failures,
        error=row.error,
        first_failed_at=row.first_failed_at,
        failed_at=row.failed_at,
        retry_at=row.retry_at,
        held_at=row.held_at,
    )


@router.get(
    "/firings/held",
    summary="Records whose timers do not fire because firing them kept failing, with the error",
)
def get_holds(session: DbSession, _: Admin) -> list[FiringHoldOut]:
    return [_out(row) for row in firing_holds.list_holds(session)]


@router.post(
    "/firings/held/{record_id}/release",
    status_code=204,
    summary="Fire a held record's timers again at the next pass (a fresh count of attempts)",
)
def release_hold(
    record_id: Annotated[str, Path(max_length=200)], session: DbSession, admin: Admin, now: Now
) -> None:
    firing_holds.release(session, record_id, actor=admin.actor, now=now)
