"""The page of actions on hold (admins who see every account): records whose timers stopped
firing because firing them kept failing, with the reason, and a button that releases each
(``services.firing_holds``; the release is audited)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import CsrfChecked, User
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.services import firing_holds
from caseclock.services.access import Role

router = console_router()


@router.get("/firings")
def held_page(
    request: Request,
    *,
    session: DbSession,
    user: User,
    done: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()
    holds = [
        (row, firing_holds.state_of(row) == firing_holds.HELD)
        for row in firing_holds.list_holds(session)
    ]
    return render(request, "firings.html", {"holds": holds, "done": done}, user=user)


@router.post("/firings/release", dependencies=[CsrfChecked])
def release(
    *,
    session: DbSession,
    user: User,
    now: Now,
    record: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()
    firing_holds.release(session, record, actor=user.principal.actor, now=now)
    said = f"Released {record}: its actions fire at the worker's next pass."
    return RedirectResponse(f"/firings?{urlencode({'done': said})}", status_code=303)
