"""``/audit``: the append-only trail of changes, newest first (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from caseclock.api.deps import Admin, DbSession
from caseclock.api.schemas.common import PROBLEM_RESPONSES, Limit, RowId
from caseclock.api.schemas.people import AuditOut, AuditPage
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import audit
from caseclock.services.audit import Kind

router = APIRouter(tags=["people"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


@router.get("/audit", summary="Who changed what and when, newest first")
def get_audit(
    *,
    session: DbSession,
    _: Admin,
    actor: Annotated[
        str | None, Query(max_length=200, description="a handle, or service:NAME")
    ] = None,
    kind: Annotated[Kind | None, Query(description="what changed")] = None,
    since: Annotated[AwareDatetime | None, Query(description="from this instant")] = None,
    until: Annotated[AwareDatetime | None, Query(description="before this instant")] = None,
    before: Annotated[RowId | None, Query(description="continue after this row id")] = None,
    limit: Annotated[Limit, Query()] = 100,
) -> AuditPage:
    rows = audit.entries(
        session,
        actor=actor,
        kind=kind.value if kind is not None else None,
        since=since,
        until=until,
        before_id=before,
        limit=limit + 1,
    )
    page = rows[:limit]
    return AuditPage(
        items=[
            AuditOut(
                id=row.id,
                at=row.at,
                actor=row.actor,
                kind=row.kind,
                target=row.target,
                action=row.action,
                details=row.details,
            )
            for row in page
        ],
        next_before=page[-1].id if len(rows) > limit else None,
    )
