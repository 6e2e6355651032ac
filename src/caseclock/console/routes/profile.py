"""Everyone's profile: display name, time zone, password, their own keys and sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.console.auth import CsrfChecked, User, clear_session
from caseclock.console.form_result import applied
from caseclock.console.people_view import profile_page
from caseclock.console.router import console_router
from caseclock.console.templating import render
from caseclock.errors import CaseclockError, Forbidden, ValidationFailed
from caseclock.services import keys, people, sessions
from caseclock.services.passwords import policy_from, verify_password

router = console_router()
Text = Annotated[str, Form(max_length=1024)]


def _person(user: User) -> int:
    if user.principal.user_id is None:
        raise Forbidden("a profile belongs to a person: sign in with your handle and password")
    return user.principal.user_id


@router.get("/profile")
def profile(
    request: Request,
    *,
    session: DbSession,
    user: User,
    now: Now,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    _person(user)
    page = profile_page(session, user, now=now)
    context = {"page": page, "done": done, "error": error, "new_key": None, "now": now}
    return render(request, "profile.html", context, user=user)


def _back(session: DbSession, change: Callable[[], None], done: str) -> Response:
    return applied(session, "/profile", change, done)


@router.post("/profile", dependencies=[CsrfChecked])
def save_profile(
    *, session: DbSession, user: User, now: Now, display_name: Text, time_zone: Text
) -> Response:
    def change() -> None:
        me = people.get_user_by_id(session, _person(user))
        changes = {"display_name": display_name, "time_zone": time_zone}
        people.update_user(session, me, changes, by=user.principal, now=now)

    return _back(session, change, "profile saved")


@router.post("/profile/password", dependencies=[CsrfChecked])
def change_password(
    request: Request,
    *,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
    current: Text,
    new: Text,
) -> Response:
    """A new password ends every session, this one included: sign in again with it."""
    policy = policy_from(settings)

    def change() -> None:
        me = people.get_user_by_id(session, _person(user))
        if not verify_password(policy, me.password_hash, current).ok:
            raise ValidationFailed("the current password is wrong", path="current")
        people.set_password(
            session,
            me,
            new,
            by=user.principal,
            actor=user.principal.actor,
            passwords=policy,
            now=now,
        )

    response = _back(session, change, "password changed")
    if "error=" not in response.headers["location"]:
        response = RedirectResponse("/login", status_code=303)
        clear_session(response, request)
    return response


@router.post("/profile/keys", dependencies=[CsrfChecked])
def create_key(
    request: Request,
    *,
    session: DbSession,
    user: User,
    now: Now,
    role: Text,
    name: Text = "",
    expires: Text = "",
) -> Response:
    """A key of one's own, at most one's own role; its secret is shown once, on this page."""
    _person(user)
    try:
        expires_at = datetime.fromisoformat(expires) if expires else None
        if expires_at is not None and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=user.zone)
        made = keys.make_key(
            session,
            keys.KeyRequest(role=role, name=name or None, expires_at=expires_at),
            by=user.principal,
            actor=user.principal.actor,
            now=now,
        )
    except (CaseclockError, ValueError) as exc:
        session.rollback()
        message = str(exc) if isinstance(exc, CaseclockError) else "expiry: not a date and time"
        return RedirectResponse(f"/profile?{urlencode({'error': message})}", status_code=303)
    page = profile_page(session, user, now=now)
    context = {"page": page, "done": None, "error": None, "new_key": made, "now": now}
    return render(request, "profile.html", context, user=user)


@router.post("/profile/keys/{key_id}/revoke", dependencies=[CsrfChecked])
def revoke_key(*, key_id: int, session: DbSession, user: User, now: Now) -> Response:
    def change() -> None:
        _person(user)
        keys.revoke_key(session, key_id, by=user.principal, actor=user.principal.actor, now=now)

    return _back(session, change, f"key {key_id} revoked")


@router.post("/profile/sessions/{session_id}/revoke", dependencies=[CsrfChecked])
def revoke_session(*, session_id: int, session: DbSession, user: User, now: Now) -> Response:
    def change() -> None:
        me = people.get_user_by_id(session, _person(user))
        sessions.revoke_session(session, me, session_id, now=now)

    return _back(session, change, "that session is signed out")


@router.post("/profile/sessions/revoke-all", dependencies=[CsrfChecked])
def sign_out_everywhere(request: Request, *, session: DbSession, user: User, now: Now) -> Response:
    me = people.get_user_by_id(session, _person(user))
    sessions.sign_out_everywhere(session, me, now=now)
    response = RedirectResponse("/login", status_code=303)
    clear_session(response, request)
    return response
