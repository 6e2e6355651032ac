"""The audit trail page (admins): newest first, filtered by actor, kind and days."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import User
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.services import audit
from caseclock.services.access import Role

router = console_router()


@router.get("/audit")
def audit_page(
    request: Request,
    *,
    session: DbSession,
    user: User,
    now: Now,
    actor: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    days: Annotated[int, Query(ge=1, le=3660)] = 30,
) -> Response:
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()
    rows = audit.entries(
        session,
        actor=actor or None,
        kind=kind or None,
        since=now - timedelta(days=days),
        limit=200,
    )
    context = {
        "rows": rows,
        "kinds": [k.value for k in audit.Kind],
        "actor": actor,
        "kind": kind,
        "days": days,
    }
    return render(request, "audit.html", context, user=user)
