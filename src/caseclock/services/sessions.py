"""Console sign-in with a password, and the server-side sessions it opens.

A session is a random token in the browser's cookie and its SHA-256 here; every request looks
it up, so revoking it (sign out, sign out everywhere, a password reset, deactivation) ends it
at the next request. Failed sign-ins are counted per login and per client address over a
window; past either limit, sign-in is refused with a message saying when to try again, before
any password is checked. Every session opened (by password, single sign-on or an accepted
invitation) and every refused password sign-in is a row of the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.config import Settings
from caseclock.errors import CaseclockError, Forbidden, NotFound, Unauthorized
from caseclock.services import audit
from caseclock.services.access import Principal, Role
from caseclock.services.passwords import policy_from, verify_password
from caseclock.store.models import ConsoleSessionRow, UserRow
from caseclock.store.repositories.people import UserRepository
from caseclock.store.repositories.sessions import ConsoleSessionRepository, SignInFailureRepository

SESSION_LIFETIME = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is kept to the minute, not per request
SESSION_KEY_ID = -1  # a console session speaks for its user without any API key


class TooManyAttempts(CaseclockError):
    """Sign-in paused after too many failures for this login or from this address."""

    status = 429
    title = "Too many sign-in attempts"


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # for the cookie; only its digest is stored
    user: UserRow
    row: ConsoleSessionRow


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in_with_password(
    session: Session,
    *,
    login: str,
    password: str,
    address: str,
    agent: str | None,
    settings: Settings,
    now: datetime,
) -> SignedIn:
    """Open a session for the user whose handle or email is ``login``. ``TooManyAttempts``
    past the limits; ``Unauthorized`` (one message whatever was wrong) otherwise."""
    if not settings.password_sign_in:
        raise Forbidden("password sign-in is turned off here: use single sign-on")
    key = login.strip().lower()[:320]
    failures = SignInFailureRepository(session)
    try:
        _check_limits(failures, key, address, settings, now)
    except TooManyAttempts:
        _refused(session, key, address, "too many failed sign-ins", now)
        raise
    user = UserRepository(session).by_login(login.strip())
    policy = policy_from(settings)
    verified = verify_password(policy, user.password_hash if user else None, password)
    if user is None or not user.active or not verified.ok:
        failures.add(login=key, address=address[:100], at=now)
        _refused(session, key, address, "wrong sign-in name or password", now)
        raise Unauthorized("that sign-in name or password is wrong")
    if verified.rehashed is not None:
        user.password_hash = verified.rehashed
    return open_session(session, user, address=address, agent=agent, method="password", now=now)


def _refused(session: Session, login: str, address: str, reason: str, now: datetime) -> None:
    audit.record(
        session,
        actor=login or "unknown",
        kind=audit.Kind.SIGN_IN,
        target=login or "unknown",
        action="refused",
        at=now,
        details={"method": "password", "address": address[:100], "reason": reason},
    )


def _check_limits(
    failures: SignInFailureRepository, login: str, address: str, settings: Settings, now: datetime
) -> None:
    since = now - timedelta(minutes=settings.sign_in_window_minutes)
    by_login = failures.count_for_login(login, since=since) >= settings.sign_in_max_per_user
    by_address = (
        failures.count_for_address(address[:100], since=since) >= settings.sign_in_max_per_address
    )
    if not (by_login or by_address):
        return
    oldest = failures.oldest_for(login=login, address=address[:100], since=since) or now
    wait = max(1, int((oldest - since).total_seconds() // 60) + 1)
    what = "for this account" if by_login else "from your network address"
    raise TooManyAttempts(
        f"too many failed sign-ins {what}; try again in {wait} minute{'s' if wait > 1 else ''}"
    )


def open_session(
    session: Session,
    user: UserRow,
    *,
    address: str | None,
    agent: str | None,
    method: str,
    now: datetime,
    details: dict[str, str] | None = None,
) -> SignedIn:
    """A new session for ``user`` (signed in by ``method``), audited as a sign-in."""
    token = secrets.token_urlsafe(32)
    row = ConsoleSessionRepository(session).add(
        ConsoleSessionRow(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            revoked_at=None,
            address=(address or "")[:100] or None,
            agent=(agent or "")[:300] or None,
            method=method,
        )
    )
    audit.record(
        session,
        actor=user.handle,
        kind=audit.Kind.SIGN_IN,
        target=user.handle,
        action="sign_in",
        at=now,
        details={"method": method, "address": (address or "")[:100], **(details or {})},
    )
    return SignedIn(token=token, user=user, row=row)


@dataclass(frozen=True, slots=True)
class LiveSession:
    principal: Principal
    user: UserRow
    row: ConsoleSessionRow


def session_for_token(session: Session, token: str, *, now: datetime) -> LiveSession | None:
    """The live session of this token: None when unknown, revoked, expired, or its user is
    deactivated."""
    row = ConsoleSessionRepository(session).by_token_hash(token_digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = UserRepository(session).get(row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    principal = Principal(
        key_id=SESSION_KEY_ID,
        name=user.handle,
        role=Role(user.role),
        accounts=frozenset(user.accounts) if user.accounts is not None else None,
        user_id=user.id,
        handle=user.handle,
    )
    return LiveSession(principal=principal, user=user, row=row)


def live_sessions(session: Session, user: UserRow, *, now: datetime) -> Sequence[ConsoleSessionRow]:
    return ConsoleSessionRepository(session).live_for_user(user.id, now=now)


def revoke_session(session: Session, user: UserRow, session_id: int, *, now: datetime) -> None:
    """End one of ``user``'s sessions (another person's is unknown: 404)."""
    found = session.get(ConsoleSessionRow, session_id)
    if found is None or found.user_id != user.id:
        raise NotFound(f"no session {session_id}")
    if found.revoked_at is None:
        found.revoked_at = now


def sign_out_everywhere(session: Session, user: UserRow, *, now: datetime) -> int:
    return ConsoleSessionRepository(session).revoke_for_user(user.id, now=now)
