"""API keys and who they speak for: roles, account scopes, and the key format.

A key looks like ``cc_<8 hex>_<43 url-safe chars>``; only its SHA-256 digest is stored (keys
are long random strings, so a fast digest is enough: nothing to brute-force).

A key belongs to a user or to a named service account. A user's key never carries more than its
owner: its role is the lower of the two and its scope the intersection, checked at every request,
so lowering a user's role or deactivating them takes effect on their keys at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from caseclock.errors import Forbidden, Unauthorized, ValidationFailed
from caseclock.store.models import ApiKeyRow, UserRow
from caseclock.store.repositories.access import ApiKeyRepository
from caseclock.store.repositories.account_milestones import AccountMilestoneRepository
from caseclock.store.repositories.people import UserRepository

LAST_USED_EVERY = timedelta(minutes=1)  # a key's last use is kept to the minute, not per call


class Role(StrEnum):
    ADMIN = "admin"  # policy, calendars, keys, people, and everything a lead may do
    LEAD = "lead"  # an agent who leads teams: their queues, reviews and records
    AGENT = "agent"  # records, events, accounts and entitlements
    VIEWER = "viewer"  # read only


_RANK = {Role.VIEWER: 0, Role.AGENT: 1, Role.LEAD: 2, Role.ADMIN: 3}


def lower_role(one: Role, other: Role) -> Role:
    return one if _RANK[one] <= _RANK[other] else other


def role_named(role: str, *, path: str = "role") -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(f"unknown role {role!r}; use one of {allowed}", path=path) from None


def narrower_scope(
    one: frozenset[str] | None, other: frozenset[str] | None
) -> frozenset[str] | None:
    """The accounts both scopes allow (None is every account)."""
    if one is None:
        return other
    if other is None:
        return one
    return one & other


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a key. ``accounts`` is None for an unscoped key; ``user_id`` and
    ``handle`` name the user who owns the key (None for a service account's key)."""

    key_id: int
    name: str
    role: Role
    accounts: frozenset[str] | None = None
    user_id: int | None = None
    handle: str | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller: the user's handle, else ``service:NAME``."""
        return self.handle if self.handle is not None else f"service:{self.name}"

    def at_least(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def require(self, role: Role) -> None:
        if _RANK[self.role] < _RANK[role]:
            raise Forbidden(f"this needs the {role.value} role; the key has {self.role.value}")

    def require_unscoped(self) -> None:
        """Installation-wide operations (policy, calendars, endpoints, the outbox, people) are
        for keys that see every account: their effects and data cross accounts."""
        if self.accounts is not None:
            raise Forbidden("this needs a key that sees every account; this key is limited")

    def sees_account(self, account_id: str | None) -> bool:
        if self.accounts is None:
            return True
        return account_id is not None and account_id in self.accounts

    def covers(self, accounts: Iterable[str] | None) -> bool:
        """Whether this principal sees every account of a scope (None: every account)."""
        return self.accounts is None or (accounts is not None and set(accounts) <= self.accounts)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key: ``secret`` is shown once and never stored."""

    secret: str
    row: ApiKeyRow


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(
    session: Session,
    *,
    role: str,
    name: str | None,
    accounts: Iterable[str] | None,
    now: datetime,
    user: UserRow | None = None,
    service_account: str | None = None,
    expires_at: datetime | None = None,
) -> NewKey:
    """Make a key for ``user`` or for the service account ``service_account`` (default: the
    key's name). A user's key may not exceed the user: a higher role or an account outside the
    user's scope is refused; a user's scope is the default scope of their keys."""
    checked_role = role_named(role)
    scope = sorted({a.strip() for a in accounts if a.strip()}) if accounts is not None else None
    if scope == []:
        raise ValidationFailed("an account scope needs at least one account id", path="accounts")
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("a key's expiry must be in the future", path="expires_at")
    if user is not None:
        scope = _within_user(user, checked_role, scope)
    prefix = secrets.token_hex(4)
    secret = f"cc_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKeyRow(
        name=name or f"{checked_role.value}-{prefix}",
        prefix=prefix,
        key_hash=digest(secret),
        role=checked_role.value,
        accounts=scope,
        created_at=now,
        revoked_at=None,
        user_id=user.id if user is not None else None,
        service_account=None if user is not None else (service_account or name or None),
        expires_at=expires_at,
    )
    if row.service_account is None and row.user_id is None:
        row.service_account = row.name
    ApiKeyRepository(session).add(row)
    return NewKey(secret=secret, row=row)


def _within_user(user: UserRow, role: Role, scope: list[str] | None) -> list[str] | None:
    owner_role = Role(user.role)
    if lower_role(role, owner_role) != role:
        raise ValidationFailed(
            f"a key of {user.handle} can have at most their role, {owner_role.value}", path="role"
        )
    if user.accounts is None:
        return scope
    if scope is None:
        return sorted(user.accounts)
    outside = sorted(set(scope) - set(user.accounts))
    if outside:
        raise ValidationFailed(
            f"{user.handle} cannot see account {outside[0]}; a key cannot either", path="accounts"
        )
    return scope


def authenticate(session: Session, authorization: str | None, *, now: datetime) -> Principal:
    """The principal of an ``Authorization: Bearer <key>`` header, or Unauthorized."""
    if not authorization:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <key>'")
    return key_principal(session, digest(secret.strip()), now=now)


def principal_for_digest(session: Session, key_digest: str, *, now: datetime) -> Principal | None:
    """The principal of the live key with this digest; None when it is refused (the console's
    session cookie carries the digest, never the key)."""
    try:
        return key_principal(session, key_digest, now=now)
    except Unauthorized:
        return None


def key_principal(session: Session, key_digest: str, *, now: datetime) -> Principal:
    """The principal of the key with this digest, or Unauthorized when it is unknown, revoked,
    expired, or its owner is deactivated. Notes the key's last use (to the minute)."""
    row = ApiKeyRepository(session).by_hash(key_digest)
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized(f"this API key expired at {row.expires_at.isoformat()}")
    role = Role(row.role)
    accounts = frozenset(row.accounts) if row.accounts is not None else None
    handle = None
    if row.user_id is not None:
        user = UserRepository(session).get(row.user_id)
        if user is None or not user.active:
            raise Unauthorized("this API key's owner is deactivated")
        role = lower_role(role, Role(user.role))
        user_scope = frozenset(user.accounts) if user.accounts is not None else None
        accounts = _with_collaborations(session, narrower_scope(accounts, user_scope), row, user)
        handle = user.handle
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now
    return Principal(
        key_id=row.id,
        name=row.name,
        role=role,
        accounts=accounts,
        user_id=row.user_id,
        handle=handle,
    )


def _with_collaborations(
    session: Session, accounts: frozenset[str] | None, key: ApiKeyRow, user: UserRow
) -> frozenset[str] | None:
    """A scoped user also sees the accounts of the milestones they collaborate on, read now,
    so a removal takes effect at their next request. A key its owner limited below their own
    scope stays limited."""
    if accounts is None or user.accounts is None:
        return accounts
    if key.accounts is not None and not set(user.accounts) <= set(key.accounts):
        return accounts
    return accounts | AccountMilestoneRepository(session).collaborating_accounts(user.id)


def list_keys(session: Session) -> Sequence[ApiKeyRow]:
    return ApiKeyRepository(session).list()


def revoke_keys_named(session: Session, name: str, *, now: datetime) -> int:
    """Revoke every live key with this name; return how many were revoked."""
    revoked = 0
    for row in ApiKeyRepository(session).by_name(name):
        if row.revoked_at is None:
            row.revoked_at = now
            revoked += 1
    session.flush()
    return revoked
