"""Users: create, change, deactivate, passwords. Every change is audited in its transaction.

Deactivating a user revokes their keys and ends their console sessions at once; a deactivated
user's keys are refused even if a revocation were missed (``access.principal_for_digest``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from caseclock.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseclock.services import audit
from caseclock.services.access import Principal, Role, role_named
from caseclock.services.passwords import (
    PasswordPolicy,
    check_acceptable,
    generated_password,
    hash_password,
)
from caseclock.store.models import UserRow
from caseclock.store.repositories.access import ApiKeyRepository
from caseclock.store.repositories.people import TeamRepository, UserRepository
from caseclock.store.repositories.sessions import ConsoleSessionRepository

HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,99}$")
EMAIL = re.compile(r"^[^@\s]{1,200}@[^@\s]{1,118}$")


@dataclass(frozen=True, slots=True)
class NewUser:
    handle: str
    email: str
    role: str = "agent"
    display_name: str | None = None
    time_zone: str = "UTC"
    accounts: Sequence[str] | None = None
    password: str | None = None


def checked_handle(handle: str) -> str:
    if not HANDLE.fullmatch(handle):
        raise ValidationFailed(
            "a handle is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
            path="handle",
        )
    return handle


def checked_email(email: str) -> str:
    cleaned = email.strip().lower()
    if not EMAIL.fullmatch(cleaned):
        raise ValidationFailed(f"not an email address: {email!r}", path="email")
    return cleaned


def checked_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"unknown time zone {name!r}", path="time_zone") from None
    return name


def _scope(accounts: Iterable[str] | None) -> list[str] | None:
    if accounts is None:
        return None
    scope = sorted({a.strip() for a in accounts if a.strip()})
    if not scope:
        raise ValidationFailed("an account scope needs at least one account id", path="accounts")
    return scope


def create_user(
    session: Session,
    new: NewUser,
    *,
    actor: str,
    passwords: PasswordPolicy,
    now: datetime,
) -> UserRow:
    """Add a user (``Conflict`` when the handle or email is taken)."""
    handle = checked_handle(new.handle)
    email = checked_email(new.email)
    repository = UserRepository(session)
    if repository.by_handle(handle) is not None:
        raise Conflict(f"the handle {handle!r} is taken", path="handle")
    if repository.by_email(email) is not None:
        raise Conflict(f"the email {email!r} is taken", path="email")
    password_hash = None
    if new.password is not None:
        check_acceptable(passwords, new.password, handle=handle, email=email)
        password_hash = hash_password(passwords, new.password)
    row = repository.add(
        UserRow(
            handle=handle,
            display_name=(new.display_name or "").strip() or handle,
            email=email,
            time_zone=checked_zone(new.time_zone),
            role=role_named(new.role).value,
            accounts=_scope(new.accounts),
            password_hash=password_hash,
            active=True,
            created_at=now,
            updated_at=now,
            deactivated_at=None,
        )
    )
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.USER,
        target=handle,
        action="create",
        at=now,
        details={"role": row.role, "email": email, "accounts": row.accounts},
    )
    return row


def get_user(session: Session, handle: str) -> UserRow:
    found = UserRepository(session).by_handle(handle)
    if found is None:
        raise NotFound(f"no user {handle!r}")
    return found


def get_user_by_id(session: Session, user_id: int) -> UserRow:
    found = UserRepository(session).get(user_id)
    if found is None:
        raise NotFound(f"no user {user_id}")
    return found


def list_users(session: Session) -> Sequence[UserRow]:
    return UserRepository(session).list()


SELF_FIELDS = frozenset({"display_name", "time_zone"})


def update_user(
    session: Session, user: UserRow, changes: dict[str, Any], *, by: Principal, now: datetime
) -> UserRow:
    """Apply ``changes`` (display_name, time_zone, email, role, accounts). People change their
    own name and zone; the rest, and other people, are an admin's."""
    if not by.at_least(Role.ADMIN):
        if by.user_id != user.id:
            raise Forbidden("only an admin can change another user")
        beyond = sorted(set(changes) - SELF_FIELDS)
        if beyond:
            raise Forbidden(f"only an admin can change {', '.join(beyond)}")
    was_admin = user.role == Role.ADMIN.value
    applied = assign_changes(
        user, {name: _checked_field(session, user, name, value) for name, value in changes.items()}
    )
    if "role" in applied and was_admin:
        _keep_an_admin(session, user)
    if applied:
        user.updated_at = now
        session.flush()
        audit.record(
            session,
            actor=by.actor,
            kind=audit.Kind.USER,
            target=user.handle,
            action="update",
            at=now,
            details=applied,
        )
    return user


def assign_changes(row: object, values: dict[str, Any]) -> dict[str, Any]:
    """Set the attributes of ``row`` that differ from ``values``; return those (for the
    audit row, and to know whether anything changed)."""
    applied = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in applied.items():
        setattr(row, name, value)
    return applied


def _checked_field(session: Session, user: UserRow, name: str, value: Any) -> Any:
    if name == "display_name":
        text = str(value or "").strip()
        if not text or len(text) > 200:
            raise ValidationFailed("a display name has 1-200 characters", path=name)
        return text
    if name == "time_zone":
        return checked_zone(str(value))
    if name == "email":
        email = checked_email(str(value))
        other = UserRepository(session).by_email(email)
        if other is not None and other.id != user.id:
            raise Conflict(f"the email {email!r} is taken", path="email")
        return email
    if name == "role":
        return role_named(str(value)).value
    if name == "accounts":
        return _scope(value)
    raise ValidationFailed(f"unknown field {name!r}", path=name)


def _keep_an_admin(session: Session, user: UserRow) -> None:
    """Refuse to leave the installation without an active admin user (when it had one)."""
    session.flush()
    if UserRepository(session).count_admins() == 0:
        raise Conflict(f"{user.handle} is the last active admin; make another admin first")


def deactivate_user(
    session: Session, user: UserRow, *, by: Principal | None, actor: str, now: datetime
) -> int:
    """Deactivate ``user``: revoke their keys and end their sessions; return how many keys
    were revoked. Deactivating oneself is refused (ask another admin)."""
    if by is not None and by.user_id == user.id:
        raise Conflict("you cannot deactivate yourself; ask another admin")
    if not user.active:
        return 0
    user.active = False
    user.deactivated_at = now
    user.updated_at = now
    if user.role == Role.ADMIN.value:
        _keep_an_admin(session, user)
    revoked = ApiKeyRepository(session).revoke_for_user(user.id, now=now)
    ended = ConsoleSessionRepository(session).revoke_for_user(user.id, now=now)
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.USER,
        target=user.handle,
        action="deactivate",
        at=now,
        details={"keys_revoked": revoked, "sessions_ended": ended},
    )
    return revoked


def reactivate_user(session: Session, user: UserRow, *, actor: str, now: datetime) -> None:
    """Let a deactivated user sign in again (their old keys stay revoked)."""
    if user.active:
        return
    user.active = True
    user.deactivated_at = None
    user.updated_at = now
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.USER,
        target=user.handle,
        action="reactivate",
        at=now,
    )


def set_password(
    session: Session,
    user: UserRow,
    password: str,
    *,
    by: Principal | None,
    actor: str,
    passwords: PasswordPolicy,
    now: datetime,
) -> None:
    """Set ``user``'s password (an admin's reset, or the user's own change; the caller checks
    the current password for the latter). Other sessions of the user end."""
    if by is not None and not by.at_least(Role.ADMIN) and by.user_id != user.id:
        raise Forbidden("only an admin can set another user's password")
    check_acceptable(passwords, password, handle=user.handle, email=user.email)
    user.password_hash = hash_password(passwords, password)
    user.updated_at = now
    ConsoleSessionRepository(session).revoke_for_user(user.id, now=now)
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.USER,
        target=user.handle,
        action="password",
        at=now,
    )


def teams_by_user(session: Session, users: Iterable[UserRow]) -> dict[int, list[tuple[str, bool]]]:
    """Each user's teams as (team name, lead), by team name."""
    found: dict[int, list[tuple[str, bool]]] = {}
    for user_id, team, lead in TeamRepository(session).teams_of(u.id for u in users):
        found.setdefault(user_id, []).append((team.name, lead))
    return found


def ensure_user(
    session: Session, new: NewUser, *, actor: str, passwords: PasswordPolicy, now: datetime
) -> str | None:
    """Create ``new`` with a generated password unless the handle exists; return the password
    when it was made (to be shown once), None when the user was already there (never reset)."""
    if UserRepository(session).by_handle(new.handle) is not None:
        return None
    password = generated_password()
    create_user(session, replace(new, password=password), actor=actor, passwords=passwords, now=now)
    return password
