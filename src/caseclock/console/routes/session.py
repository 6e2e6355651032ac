"""Signing in (with an API key, a name, a team and a time zone) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now
from caseclock.console.auth import CsrfChecked, app_secret, clear_session, set_session, sign_in
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import Unauthorized

router = console_router()


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect a signed-in person to another site."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None}, user=None)


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    *,
    session: DbSession,
    now: Now,
    key: Annotated[str, Form()] = "",
    me: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    tz: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        cookie = sign_in(
            session, key=key, me=me, team=team, zone=tz, now=now, secret=app_secret(request)
        )
    except Unauthorized:
        context = {"next": _safe_next(next), "error": "That API key is unknown or revoked."}
        return render(request, "login.html", context, user=None, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session(response, request, cookie)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, request)
    return response
