"""The lifecycle of API keys: made for a user or a service account, listed, revoked. Each step
is audited in its transaction. Admins manage every key; other people manage their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.errors import Forbidden, NotFound, ValidationFailed
from caseclock.services import audit
from caseclock.services.access import NewKey, Principal, Role, create_key
from caseclock.store.models import ApiKeyRow, UserRow
from caseclock.store.repositories.access import ApiKeyRepository
from caseclock.store.repositories.people import UserRepository


@dataclass(frozen=True, slots=True)
class KeyRequest:
    role: str
    name: str | None = None
    accounts: Sequence[str] | None = None
    user: str | None = None  # a handle; None with no service account: the caller's own key
    service_account: str | None = None
    expires_at: datetime | None = None


def make_key(
    session: Session, request: KeyRequest, *, by: Principal | None, actor: str, now: datetime
) -> NewKey:
    """Make a key. ``by`` is the caller (None from the command line, which is trusted): an
    admin makes keys for anyone; other users make keys for themselves only."""
    if request.user is not None and request.service_account is not None:
        raise ValidationFailed(
            "a key belongs to a user or a service account, not both", path="service_account"
        )
    owner = _owner(session, request, by)
    if by is not None and not by.at_least(Role.ADMIN) and (owner is None or owner.id != by.user_id):
        raise Forbidden("only an admin can make keys for others or for service accounts")
    scope = request.accounts
    if scope is None and owner is not None:
        scope = owner.accounts
    # Others' keys are checked against their owner (create_key); an admin limited to accounts
    # must also cover the new key's accounts.
    if by is not None and by.at_least(Role.ADMIN) and not by.covers(scope):
        raise Forbidden(
            "a key cannot grant more than it has: give the new key a role no higher than this "
            "key's and accounts among its own",
            path="accounts",
        )
    made = create_key(
        session,
        role=request.role,
        name=request.name,
        accounts=request.accounts,
        now=now,
        user=owner,
        service_account=request.service_account,
        expires_at=request.expires_at,
    )
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.KEY,
        target=f"{made.row.id}",
        action="create",
        at=now,
        details={
            "name": made.row.name,
            "role": made.row.role,
            "owner": owner.handle if owner is not None else f"service:{made.row.service_account}",
            "accounts": made.row.accounts,
            "expires_at": request.expires_at.isoformat() if request.expires_at else None,
        },
    )
    return made


def _owner(session: Session, request: KeyRequest, by: Principal | None) -> UserRow | None:
    if request.user is not None:
        found = UserRepository(session).by_handle(request.user)
        if found is None:
            raise ValidationFailed(f"no user {request.user!r}", path="user")
        return found
    if request.service_account is None and by is not None and by.user_id is not None:
        return UserRepository(session).get(by.user_id)
    return None


def visible_keys(session: Session, by: Principal | None) -> Sequence[ApiKeyRow]:
    """Every key for an admin (or the command line), the keys within its accounts for an admin
    limited to accounts; one's own keys otherwise."""
    repository = ApiKeyRepository(session)
    if by is None or by.at_least(Role.ADMIN):
        return [row for row in repository.list() if by is None or by.covers(row.accounts)]
    if by.user_id is None:
        return [row for row in [repository.get(by.key_id)] if row is not None]
    return repository.for_user(by.user_id)


def own_keys(session: Session, user_id: int) -> Sequence[ApiKeyRow]:
    """A user's live keys (for their profile)."""
    return [row for row in ApiKeyRepository(session).for_user(user_id) if row.revoked_at is None]


def revoke_key(
    session: Session, key_id: int, *, by: Principal | None, actor: str, now: datetime
) -> ApiKeyRow:
    """Revoke a key (a second revocation changes nothing). A key the caller may not manage is
    answered as unknown, so its existence does not leak."""
    row = ApiKeyRepository(session).get(key_id)
    if row is None or not _manages(by, row):
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
        audit.record(
            session,
            actor=actor,
            kind=audit.Kind.KEY,
            target=f"{row.id}",
            action="revoke",
            at=now,
            details={"name": row.name},
        )
    return row


def _manages(by: Principal | None, row: ApiKeyRow) -> bool:
    if by is None or by.at_least(Role.ADMIN):
        return by is None or by.covers(row.accounts)
    if by.user_id is not None:
        return row.user_id == by.user_id
    return row.id == by.key_id
