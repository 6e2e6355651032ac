"""API keys and who they speak for: roles, account scopes, and the key format.

A key looks like ``cc_<8 hex>_<43 url-safe chars>``; only its SHA-256 digest is stored (keys
are long random strings, so a fast digest is enough: nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from caseclock.errors import Forbidden, Unauthorized, ValidationFailed
from caseclock.store.models import ApiKeyRow
from caseclock.store.repositories.access import ApiKeyRepository


class Role(StrEnum):
    ADMIN = "admin"  # policy, calendars, keys, and everything an agent may do
    AGENT = "agent"  # records, events, accounts and entitlements
    VIEWER = "viewer"  # read only


_RANK = {Role.VIEWER: 0, Role.AGENT: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a key. ``accounts`` is None for an unscoped key."""

    key_id: int
    name: str
    role: Role
    accounts: frozenset[str] | None = None

    def require(self, role: Role) -> None:
        if _RANK[self.role] < _RANK[role]:
            raise Forbidden(f"this needs the {role.value} role; the key has {self.role.value}")

    def sees_account(self, account_id: str | None) -> bool:
        if self.accounts is None:
            return True
        return account_id is not None and account_id in self.accounts


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
) -> NewKey:
    try:
        checked_role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"unknown role {role!r}; use one of {allowed}", path="role"
        ) from None
    scope = sorted({a.strip() for a in accounts if a.strip()}) if accounts is not None else None
    if scope == []:
        raise ValidationFailed("an account scope needs at least one account id", path="accounts")
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
    )
    ApiKeyRepository(session).add(row)
    return NewKey(secret=secret, row=row)


def authenticate(session: Session, authorization: str | None) -> Principal:
    """The principal of an ``Authorization: Bearer <key>`` header, or Unauthorized."""
    if not authorization:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <key>'")
    principal = principal_for_digest(session, digest(secret.strip()))
    if principal is None:
        raise Unauthorized("unknown or revoked API key")
    return principal


def principal_for_digest(session: Session, key_digest: str) -> Principal | None:
    """The principal of the live key with this digest; None when it is unknown or revoked
    (the console's session cookie carries the digest, never the key)."""
    row = ApiKeyRepository(session).by_hash(key_digest)
    if row is None or row.revoked_at is not None:
        return None
    return Principal(
        key_id=row.id,
        name=row.name,
        role=Role(row.role),
        accounts=frozenset(row.accounts) if row.accounts is not None else None,
    )


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
