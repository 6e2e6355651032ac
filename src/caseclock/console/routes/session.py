"""Signing in (a person with handle or email and password; or an API key with a name, a team
and a time zone) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console.auth import (
    CsrfChecked,
    app_secret,
    clear_session,
    end_session,
    session_cookie,
    set_session,
    sign_in,
)
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import Unauthorized
from caseclock.services.sessions import TooManyAttempts, sign_in_with_password

router = console_router()


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect a signed-in person to another site."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


def _form(request: Request, next: str | None, *, error: str | None, status: int = 200) -> Response:
    context = {"next": _safe_next(next), "error": error}
    return render(request, "login.html", context, user=None, status_code=status)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _form(request, next, error=None)


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    *,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    login: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    key: Annotated[str, Form()] = "",
    me: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
    tz: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    secret = app_secret(request)
    try:
        if key.strip():
            cookie = sign_in(session, key=key, me=me, team=team, zone=tz, now=now, secret=secret)
        else:
            opened = sign_in_with_password(
                session,
                login=login,
                password=password,
                address=request.client.host if request.client else "unknown",
                agent=request.headers.get("user-agent"),
                settings=settings,
                now=now,
            )
            cookie = session_cookie(opened.token, now=now, secret=secret)
    except TooManyAttempts as exc:
        return _form(request, next, error=f"Sign-in is paused: {exc.detail}.", status=429)
    except Unauthorized:
        wrong = (
            "That API key is unknown or revoked."
            if key.strip()
            else ("That sign-in name or password is wrong.")
        )
        return _form(request, next, error=wrong, status=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session(response, request, cookie)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: DbSession, now: Now) -> Response:
    end_session(request, session, now)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, request)
    return response
