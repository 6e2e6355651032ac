"""Signing in (a person with handle or email and password, or through the identity provider
with single sign-on; or an API key with a name, a team and a time zone) and signing out.

Single sign-on leaves for the provider with a pending sign-in (state, nonce, PKCE verifier,
where to go next) kept in a signed, HttpOnly cookie for ten minutes; the callback checks it,
and a refusal or an unreachable provider answers the sign-in page saying why, with nothing
signed in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.config import Settings
from caseclock.console.auth import (
    CsrfChecked,
    app_secret,
    clear_session,
    end_session,
    session_cookie,
    set_cookie,
    set_session,
    sign,
    sign_in,
    signed_in,
    unsign,
)
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import CaseclockError, Unauthorized
from caseclock.services import oidc, sso
from caseclock.services.oidc import Pending, Provider, ProviderUnavailable
from caseclock.services.sessions import TooManyAttempts, sign_in_with_password

router = console_router()


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect a signed-in person to another site."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


def _form(request: Request, next: str | None, *, error: str | None, status: int = 200) -> Response:
    settings: Settings = request.app.state.settings
    context = {
        "next": _safe_next(next),
        "error": error,
        "sso": settings.oidc_provider_name if settings.single_sign_on else None,
        "passwords": settings.password_sign_in,
    }
    return render(request, "login.html", context, user=None, status_code=status)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _form(request, next, error=None)


PENDING_COOKIE = "cc_sso"


def provider_of(request: Request) -> Provider:
    """The installation's identity provider, made at its first use (nothing is fetched
    before someone signs in); its discovery and keys stay cached with it."""
    state = request.app.state
    if getattr(state, "oidc_provider", None) is None:
        state.oidc_provider = Provider(state.settings)
    provider: Provider = state.oidc_provider
    return provider


def leave_for_provider(
    request: Request, *, next_path: str, invitation: str | None, now: datetime
) -> Response:
    """Send the browser to the provider's sign-in, keeping the pending sign-in in a cookie."""
    settings: Settings = request.app.state.settings
    if not settings.single_sign_on:
        return _form(request, next_path, error="Single sign-on is not set up here.", status=404)
    pending = oidc.begin(next_path=_safe_next(next_path), invitation=invitation, now=now)
    try:
        url = provider_of(request).authorization_url(pending, now=now)
    except ProviderUnavailable as exc:
        return _form(request, next_path, error=_unreachable(settings, exc), status=502)
    response = RedirectResponse(url, status_code=303)
    value = sign(app_secret(request), pending.to_dict())
    set_cookie(response, request, PENDING_COOKIE, value, int(oidc.PENDING_LIFETIME.total_seconds()))
    return response


def _unreachable(settings: Settings, exc: ProviderUnavailable) -> str:
    return (
        f"{settings.oidc_provider_name} cannot be reached just now, so nobody can sign in "
        f"through it: try again in a few minutes. ({exc.detail})"
    )


@router.get("/login/sso")
def sso_start(request: Request, now: Now, next: str | None = None) -> Response:
    return leave_for_provider(request, next_path=_safe_next(next), invitation=None, now=now)


@router.get(oidc.CALLBACK_PATH)
def sso_callback(
    request: Request,
    *,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    state: Annotated[str, Query(max_length=500)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Where the provider sends the browser back; signs the person in or says why not."""
    if not settings.single_sign_on:
        return _form(request, "/", error="Single sign-on is not set up here.", status=404)
    raw = request.cookies.get(PENDING_COOKIE)
    payload = unsign(app_secret(request), raw) if raw else None
    pending = Pending.from_dict(payload, now=now) if payload is not None else None
    if pending is None:
        message = (
            "This sign-in was not started here or took longer than ten minutes: start it again."
        )
        return _without_pending(request, _form(request, "/", error=message, status=400))
    callback = sso.Callback(
        state=state,
        code=code,
        error=error,
        address=request.client.host if request.client else None,
        agent=request.headers.get("user-agent"),
    )
    try:
        opened = sso.complete(session, provider_of(request), settings, pending, callback, now=now)
    except ProviderUnavailable as exc:
        page = _form(request, pending.next, error=_unreachable(settings, exc), status=502)
        return _without_pending(request, page)
    except sso.SignInRefused as exc:
        message = f"Single sign-on did not let you in: {exc.detail}."
        return _without_pending(request, _form(request, pending.next, error=message, status=403))
    response = RedirectResponse(pending.next, status_code=303)
    signed_in(response, request, opened.token, now=now)
    return _without_pending(request, response)


def _without_pending(request: Request, response: Response) -> Response:
    clear_session(response, request, PENDING_COOKIE)
    return response


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
    except CaseclockError as exc:  # password sign-in is turned off
        return _form(
            request, next, error=f"{exc.detail[:1].upper()}{exc.detail[1:]}.", status=exc.status
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session(response, request, cookie)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: DbSession, now: Now) -> Response:
    end_session(request, session, now)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, request)
    return response
