"""Signing in to the console: a signed session cookie and CSRF tokens.

People sign in with their handle or email and password: the cookie then holds the random token
of a server-side session (``services.sessions``), looked up at every request, so a revoked
session, a password reset or a deactivated user is out at the next request; role, scope, name,
team and zone are the user's. An API key still signs in too: the cookie then holds the key's
SHA-256 digest (never the key), the name and team given at sign-in and the zone; a revoked key
ends its sessions at once. Either cookie is signed with HMAC-SHA256, HttpOnly, SameSite=Lax,
and Secure over https (behind a proxy: when it forwards the scheme).

CSRF: a random ``cc_csrf`` cookie, and in every form a token that is the HMAC of that cookie's
value; a POST whose token does not match is refused (signed double submit, so it also covers
the sign-in form, before any session exists).

The secret comes from ``CASECLOCK_CONSOLE_SECRET``; when unset it is generated once and kept in
``console-secret`` beside the SQLite file (or under ``./var`` for other databases; set the
variable when several processes serve one PostgreSQL).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from caseclock.api.deps import DbSession, Now
from caseclock.config import Settings
from caseclock.services.access import (
    Principal,
    Role,
    authenticate,
    digest,
    principal_for_digest,
)
from caseclock.services.people import teams_by_user
from caseclock.services.sessions import session_for_token

SESSION_COOKIE = "cc_session"
CSRF_COOKIE = "cc_csrf"
SESSION_LIFETIME = timedelta(hours=12)
SECRET_FILE = "console-secret"  # noqa: S105 (the file's name, not a secret)


class LoginRequired(Exception):
    """No valid session: pages redirect to the sign-in form, fragments answer 401."""


class CsrfRejected(Exception):
    """A form without a valid CSRF token."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who is looking: the principal (a user's session, or an API key's), the name and teams
    they work under ("My team": every team a lead leads, else the teams they are on), their
    zone; ``session_id`` for a signed-in user's server-side session."""

    principal: Principal
    me: str
    teams: tuple[str, ...]
    zone: ZoneInfo
    session_id: int | None = None

    @property
    def team(self) -> str | None:
        """The teams as one line, for the header (None when on no team)."""
        return ", ".join(self.teams) or None

    @property
    def is_person(self) -> bool:
        """Signed in as a user (with a password or single sign-on), not with a bare key."""
        return self.principal.user_id is not None

    @property
    def can_act(self) -> bool:
        return self.principal.at_least(Role.AGENT)


def secret_path(settings: Settings) -> Path | None:
    """Where a generated secret is kept: beside the SQLite file, else ``./var``; None for an
    in-memory database (a fresh secret per process)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database).resolve().parent / SECRET_FILE
    return Path("var") / SECRET_FILE


def load_secret(settings: Settings) -> bytes:
    if settings.console_secret:
        return settings.console_secret.encode("utf-8")
    path = secret_path(settings)
    if path is None:
        return secrets.token_bytes(32)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def app_secret(request: Request) -> bytes:
    """The console secret, loaded on first use (so an API-only process never writes one)."""
    state = request.app.state
    if getattr(state, "console_secret", None) is None:
        state.console_secret = load_secret(state.settings)
    secret: bytes = state.console_secret
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: str, data: bytes) -> bytes:
    return hmac.new(secret, purpose.encode("ascii") + b"|" + data, hashlib.sha256).digest()


def sign(secret: bytes, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return f"{_b64(body)}.{_b64(_mac(secret, 'session', body))}"


def unsign(secret: bytes, value: str) -> dict[str, Any] | None:
    """The payload of a cookie this secret signed, else None (tampered, foreign, garbled)."""
    body_text, _, mac_text = value.partition(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError:
        return None
    if not hmac.compare_digest(mac, _mac(secret, "session", body)):
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def zone_named(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def sign_in(
    session: Session,
    *,
    key: str,
    me: str | None,
    team: str | None,
    zone: str | None,
    now: datetime,
    secret: bytes,
) -> str:
    """Check the key (``Unauthorized`` if it is unknown or revoked); return the session cookie."""
    principal = authenticate(session, f"Bearer {key.strip()}", now=now)
    payload = {
        "h": digest(key.strip()),
        "me": (me or "").strip() or principal.name,
        "team": (team or "").strip() or None,
        "tz": zone_named(zone).key,
        "exp": int((now + SESSION_LIFETIME).timestamp()),
    }
    return sign(secret, payload)


def session_cookie(token: str, *, now: datetime, secret: bytes) -> str:
    """The cookie of a user's server-side session: its token, signed, with an expiry."""
    return sign(secret, {"s": token, "exp": int((now + SESSION_LIFETIME).timestamp())})


def _person(session: Session, token: str, now: datetime) -> ConsoleUser:
    live = session_for_token(session, token, now=now)
    if live is None:
        raise LoginRequired
    teams = teams_by_user(session, [live.user]).get(live.user.id, [])
    led = tuple(name for name, lead in teams if lead)
    return ConsoleUser(
        principal=live.principal,
        me=live.user.handle,
        teams=led or tuple(name for name, _ in teams),
        zone=zone_named(live.user.time_zone),
        session_id=live.row.id,
    )


def end_session(request: Request, session: Session, now: datetime) -> None:
    """Revoke the server-side session this browser's cookie names, if it names one."""
    raw = request.cookies.get(SESSION_COOKIE)
    payload = unsign(app_secret(request), raw) if raw else None
    if payload is not None and "s" in payload:
        live = session_for_token(session, str(payload["s"]), now=now)
        if live is not None:
            live.row.revoked_at = now


def current_user(request: Request, session: DbSession, now: Now) -> ConsoleUser:
    raw = request.cookies.get(SESSION_COOKIE)
    payload = unsign(app_secret(request), raw) if raw else None
    if payload is None or int(payload.get("exp", 0)) <= now.timestamp():
        raise LoginRequired
    if "s" in payload:
        return _person(session, str(payload["s"]), now)
    principal = principal_for_digest(session, str(payload.get("h", "")), now=now)
    if principal is None:
        raise LoginRequired
    return ConsoleUser(
        principal=principal,
        me=str(payload.get("me") or principal.name),
        teams=(str(payload["team"]),) if payload.get("team") else (),
        zone=zone_named(payload.get("tz")),
    )


User = Annotated[ConsoleUser, Depends(current_user)]


def csrf_value(request: Request) -> str:
    """This browser's CSRF cookie value, or a new one for ``set_cookies`` to send."""
    value = request.cookies.get(CSRF_COOKIE)
    if not value:
        value = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(24)
        request.state.new_csrf = value
    return value


def csrf_token(request: Request) -> str:
    return _b64(_mac(app_secret(request), "csrf", csrf_value(request).encode("utf-8")))


def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not csrf:
        raise CsrfRejected
    expected = _b64(_mac(app_secret(request), "csrf", cookie.encode("utf-8")))
    if not hmac.compare_digest(expected, csrf):
        raise CsrfRejected


CsrfChecked = Depends(check_csrf)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """An HttpOnly, SameSite=Lax cookie, Secure over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def set_cookies(response: Response, request: Request) -> None:
    """Send the CSRF cookie if this request made one."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        set_cookie(response, request, CSRF_COOKIE, new, 60 * 60 * 24 * 30)


def set_session(response: Response, request: Request, value: str) -> None:
    set_cookie(response, request, SESSION_COOKIE, value, int(SESSION_LIFETIME.total_seconds()))


def signed_in(response: Response, request: Request, token: str, *, now: datetime) -> Response:
    """``response`` carrying the cookie of the server-side session ``token``."""
    set_session(response, request, session_cookie(token, now=now, secret=app_secret(request)))
    return response


def clear_session(response: Response, request: Request, name: str = SESSION_COOKIE) -> None:
    response.delete_cookie(
        name,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
