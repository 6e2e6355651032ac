"""Processes (each version in words) and calendars (each as a week grid)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import User
from caseclock.console.policy_view import calendars, process_page, processes
from caseclock.console.router import console_router
from caseclock.console.templating import render

router = console_router()


@router.get("/processes")
def process_list(request: Request, session: DbSession, user: User) -> Response:
    return render(request, "processes.html", {"processes": processes(session)}, user=user)


@router.get("/processes/{key}")
def process(
    *, request: Request, key: str, session: DbSession, user: User, version: int | None = None
) -> Response:
    page = process_page(session, key, version)
    return render(request, "process.html", {"process": page}, user=user)


@router.get("/calendars")
def calendar_list(request: Request, session: DbSession, user: User, now: Now) -> Response:
    pages = calendars(session, now=now)
    return render(request, "calendars.html", {"calendars": pages, "now": now}, user=user)
