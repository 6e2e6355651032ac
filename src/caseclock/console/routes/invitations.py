"""The page an invitation link opens: choose a password (or sign in with single sign-on) and
be signed in; a used, replaced, expired or unknown link says so and what to do."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.config import Settings
from caseclock.console.auth import CsrfChecked, signed_in, zone_named
from caseclock.console.router import console_router
from caseclock.console.routes.session import leave_for_provider
from caseclock.console.templating import render
from caseclock.errors import CaseclockError, ValidationFailed
from caseclock.services import invitations
from caseclock.services.passwords import policy_from

router = console_router()
Token = Annotated[str, Path(max_length=100)]
Secret = Annotated[str, Form(max_length=1024)]


def _page(
    request: Request,
    token: str,
    found: invitations.Usable,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    context = {
        "token": token,
        "problem": None,
        "invited": found.user,
        "expires": found.row.expires_at,
        "invited_zone": zone_named(found.user.time_zone),
        "error": error,
        "sso": settings.oidc_provider_name if settings.single_sign_on else None,
        "passwords": settings.password_sign_in,
        "min_length": settings.password_min_length,
    }
    return render(request, "invitation.html", context, user=None, status_code=status)


def _unusable(request: Request, exc: CaseclockError) -> Response:
    problem = f"{exc.detail[:1].upper()}{exc.detail[1:]}."
    context = {"problem": problem, "token": None, "invited": None}
    return render(request, "invitation.html", context, user=None, status_code=exc.status)


@router.get("/invitation/{token}")
def invitation(request: Request, token: Token, session: DbSession, now: Now) -> Response:
    try:
        found = invitations.usable(session, token, now=now)
    except CaseclockError as exc:
        return _unusable(request, exc)
    return _page(request, token, found)


@router.post("/invitation/{token}", dependencies=[CsrfChecked])
def accept(
    request: Request,
    *,
    token: Token,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    password: Secret,
    confirm: Secret,
) -> Response:
    """Set the chosen password, use up the link, and sign the person in."""
    try:
        found = invitations.usable(session, token, now=now)
    except CaseclockError as exc:
        return _unusable(request, exc)
    if not settings.password_sign_in:
        error = "Passwords are turned off here: sign in with single sign-on instead."
        return _page(request, token, found, error=error, status=403)
    if password != confirm:
        return _page(request, token, found, error="The two passwords differ.", status=422)
    try:
        opened = invitations.accept_with_password(
            session,
            token,
            password,
            passwords=policy_from(settings),
            address=request.client.host if request.client else None,
            agent=request.headers.get("user-agent"),
            now=now,
        )
    except ValidationFailed as exc:
        session.rollback()
        error = f"{exc.detail[:1].upper()}{exc.detail[1:]}."
        return _page(request, token, found, error=error, status=422)
    response = RedirectResponse("/", status_code=303)
    signed_in(response, request, opened.token, now=now)
    return response


@router.get("/invitation/{token}/sso")
def accept_with_sso(request: Request, token: Token, session: DbSession, now: Now) -> Response:
    """Leave for the identity provider; coming back links the identity to the invited user."""
    try:
        invitations.usable(session, token, now=now)
    except CaseclockError as exc:
        return _unusable(request, exc)
    return leave_for_provider(request, next_path="/", invitation=token, now=now)
