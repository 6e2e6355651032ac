"""Who a single sign-on is: the provider's identity found in the directory, linked, created
just in time when allowed, refused otherwise. Every sign-in, refusal and link is audited.

A person is found, in this order, by:

1. their linked identity, the provider's ``(issuer, sub)``: the same person whatever their
   email has become at the provider;
2. the invitation this sign-in accepts: the identity is linked to the invited user;
3. the configured claim (``email`` by default, matched against users' emails; any other claim,
   e.g. ``preferred_username``, against handles): the identity is linked at this first sign-in.
   An email the provider marks unverified (``email_verified: false``) is never matched;
4. nobody: a user is created when ``CASECLOCK_OIDC_CREATE_USERS`` is on, else the person is
   refused with a page that says so.

A deactivated user is refused. Group claims map to a role (the highest of the person's groups)
and to teams at a user's first sign-in, or at every one when configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.config import Settings
from caseclock.errors import CaseclockError, Conflict
from caseclock.services import audit, invitations, people, teams
from caseclock.services.access import Principal, Role
from caseclock.services.oidc import Pending, Provider, ProviderUnavailable, TokenRefused
from caseclock.services.passwords import policy_from
from caseclock.services.sessions import SESSION_KEY_ID, SignedIn, open_session
from caseclock.store.models import UserIdentityRow, UserRow
from caseclock.store.repositories.identities import IdentityRepository
from caseclock.store.repositories.people import TeamRepository, UserRepository

GROUP_MAPPER = Principal(key_id=SESSION_KEY_ID, name="sso", role=Role.ADMIN)
_RANK = {"viewer": 0, "agent": 1, "lead": 2, "admin": 3}
_NOT_HANDLE = re.compile(r"[^A-Za-z0-9._\-]+")


class SignInRefused(CaseclockError):
    """The provider vouched for someone caseclock does not let in."""

    status = 403
    title = "Single sign-on refused"


Refuse = Callable[[str], SignInRefused]  # audits a refusal and returns what to raise


@dataclass(frozen=True, slots=True)
class Callback:
    """What the provider sent the browser back with."""

    state: str
    code: str
    error: str | None
    address: str | None
    agent: str | None


def complete(
    session: Session,
    provider: Provider,
    settings: Settings,
    pending: Pending,
    callback: Callback,
    *,
    now: datetime,
) -> SignedIn:
    """Finish a sign-in: check the callback against ``pending``, exchange the code, validate
    the ID token and find (or make) the user; open their session. A refusal is audited and
    raised (``SignInRefused``); an unreachable provider raises ``ProviderUnavailable``."""
    try:
        if callback.state != pending.state:
            raise SignInRefused("the sign-in came back with another state: start again")
        if callback.error:
            raise SignInRefused(f"the identity provider did not sign you in ({callback.error})")
        tokens = provider.exchange(callback.code, pending, now=now)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("the identity provider sent no ID token")
        access = tokens.get("access_token")
        claims = provider.validated_claims(
            id_token,
            nonce=pending.nonce,
            access_token=access if isinstance(access, str) else None,
            now=now,
        )
    except (SignInRefused, TokenRefused) as exc:
        _refusal(session, who="unknown", reason=exc.detail, issuer=provider.issuer, now=now)
        raise SignInRefused(exc.detail) from None
    except ProviderUnavailable as exc:
        _refusal(session, who="unknown", reason=exc.detail, issuer=provider.issuer, now=now)
        raise
    user = _person(session, provider.issuer, claims, settings, pending, now=now)
    return open_session(
        session,
        user,
        address=callback.address,
        agent=callback.agent,
        method="sso",
        now=now,
        details={"issuer": provider.issuer, "subject": str(claims["sub"])},
    )


def identities_of(session: Session, user: UserRow) -> Sequence[UserIdentityRow]:
    """The single sign-on identities linked to ``user`` (for their profile)."""
    return IdentityRepository(session).for_user(user.id)


def _refusal(session: Session, *, who: str, reason: str, issuer: str, now: datetime) -> None:
    audit.record(
        session,
        actor=f"sso:{who}",
        kind=audit.Kind.SIGN_IN,
        target=who,
        action="refused",
        at=now,
        details={"method": "sso", "issuer": issuer, "reason": reason},
    )


def _person(
    session: Session,
    issuer: str,
    claims: Mapping[str, Any],
    settings: Settings,
    pending: Pending,
    *,
    now: datetime,
) -> UserRow:
    subject = str(claims["sub"])
    wanted = _claim_text(claims, settings.oidc_user_claim)
    who = wanted or subject

    def refuse(reason: str) -> SignInRefused:
        _refusal(session, who=who, reason=reason, issuer=issuer, now=now)
        return SignInRefused(reason)

    identities = IdentityRepository(session)
    linked = identities.find(issuer, subject)
    if linked is not None:
        user = people.get_user_by_id(session, linked.user_id)
        if not user.active:
            raise refuse(f"{user.handle} is deactivated in caseclock")
        linked.last_used_at = now
        if settings.oidc_groups_apply == "always":
            _apply_groups(session, user, claims, settings, created=False, now=now)
        return user
    if pending.invitation is not None:
        try:
            user = invitations.usable(session, pending.invitation, now=now).user
        except CaseclockError as exc:
            raise refuse(exc.detail) from None
        _link(identities, user, issuer, subject, refuse, now=now)
        invitations.mark_accepted(session, pending.invitation, method="sso", now=now)
        return user
    known = _matching_user(session, settings, claims, wanted)
    if known is not None:
        if not known.active:
            raise refuse(f"{known.handle} is deactivated in caseclock")
        _link(identities, known, issuer, subject, refuse, now=now)
        if settings.oidc_groups_apply == "always":
            _apply_groups(session, known, claims, settings, created=False, now=now)
        return known
    if not settings.oidc_create_users:
        raise refuse(f"nobody in caseclock's directory matches {who}; ask an admin to invite you")
    user = _create(session, claims, settings, who, refuse, now=now)
    _link(identities, user, issuer, subject, refuse, now=now)
    _apply_groups(session, user, claims, settings, created=True, now=now)
    return user


def _claim_text(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _matching_user(
    session: Session, settings: Settings, claims: Mapping[str, Any], wanted: str | None
) -> UserRow | None:
    if wanted is None:
        return None
    repository = UserRepository(session)
    if settings.oidc_user_claim == "email":
        if claims.get("email_verified") is False:
            return None  # an unverified address proves nothing about its owner
        return repository.by_email(wanted)
    return repository.by_handle(wanted)


def _link(
    identities: IdentityRepository,
    user: UserRow,
    issuer: str,
    subject: str,
    refuse: Refuse,
    *,
    now: datetime,
) -> None:
    """Link ``(issuer, subject)`` to ``user``; refused when the user already has another
    identity at this provider (a different person at the provider claims their address)."""
    other = identities.of_user(user.id, issuer)
    if other is not None:
        raise refuse(f"{user.handle} is already linked to another identity at this provider")
    identities.add(
        UserIdentityRow(
            user_id=user.id, issuer=issuer, subject=subject, created_at=now, last_used_at=now
        )
    )
    audit.record(
        identities.session,
        actor=user.handle,
        kind=audit.Kind.USER,
        target=user.handle,
        action="link_identity",
        at=now,
        details={"issuer": issuer, "subject": subject},
    )


def _create(
    session: Session,
    claims: Mapping[str, Any],
    settings: Settings,
    who: str,
    refuse: Refuse,
    *,
    now: datetime,
) -> UserRow:
    email = _claim_text(claims, "email")
    if email is None or claims.get("email_verified") is False:
        raise refuse("the identity provider gave no verified email to create a user with")
    repository = UserRepository(session)
    if repository.by_email(email) is not None:
        raise refuse(f"the email {email} belongs to another caseclock user")
    handle = _free_handle(repository, _claim_text(claims, "preferred_username") or email)
    zone = _claim_text(claims, "zoneinfo") or "UTC"
    try:
        people.checked_zone(zone)
    except CaseclockError:
        zone = "UTC"
    new = people.NewUser(
        handle=handle,
        email=email,
        role=_group_role(claims, settings) or settings.oidc_default_role,
        display_name=(_claim_text(claims, "name") or handle)[:200],
        time_zone=zone,
    )
    try:
        return people.create_user(
            session, new, actor=f"sso:{who}", passwords=policy_from(settings), now=now
        )
    except CaseclockError as exc:
        raise refuse(f"a user cannot be made for {who}: {exc.detail}") from None


def _free_handle(repository: UserRepository, wanted: str) -> str:
    base = _NOT_HANDLE.sub("-", wanted.partition("@")[0]).strip(".-_")[:90] or "user"
    if not base[0].isalnum():
        base = f"u{base}"
    handle, number = base, 1
    while repository.by_handle(handle) is not None:
        number += 1
        handle = f"{base}-{number}"
    return handle


def _groups(claims: Mapping[str, Any], claim: str | None) -> set[str]:
    if claim is None:
        return set()
    value = claims.get(claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, Sequence):
        return {str(item) for item in value}
    return set()


def _group_role(claims: Mapping[str, Any], settings: Settings) -> str | None:
    """The highest role the person's groups map to, if any does."""
    groups = _groups(claims, settings.oidc_group_claim)
    roles = [role for group, role in settings.oidc_group_roles.items() if group in groups]
    return max(roles, key=_RANK.__getitem__) if roles else None


def _apply_groups(
    session: Session,
    user: UserRow,
    claims: Mapping[str, Any],
    settings: Settings,
    *,
    created: bool,
    now: datetime,
) -> None:
    """The role of the person's highest mapped group, and the mapped teams: joined for the
    groups they are in, left (only teams the mapping names) for the groups they are not."""
    if settings.oidc_group_claim is None:
        return
    groups = _groups(claims, settings.oidc_group_claim)
    role = _group_role(claims, settings)
    if role is not None and not created and role != user.role:
        try:
            with session.begin_nested():
                people.update_user(session, user, {"role": role}, by=GROUP_MAPPER, now=now)
        except Conflict:
            session.refresh(user)  # the last admin keeps their role
    wanted: dict[str, bool | None] = {}  # team -> lead, member (False) or not on it (None)
    for group, target in settings.oidc_group_teams.items():
        name, _, role = target.partition(":")
        if group in groups:
            wanted[name] = bool(wanted.get(name)) or role == "lead"
        else:
            wanted.setdefault(name, None)
    repository = TeamRepository(session)
    for name, lead in wanted.items():
        team = repository.by_name(name)
        if team is None:
            continue
        if lead is not None:
            teams.set_member(session, team, user, lead=lead, actor=GROUP_MAPPER.actor, now=now)
        elif not created and repository.membership(team.id, user.id) is not None:
            teams.remove_member(session, team, user, actor=GROUP_MAPPER.actor, now=now)
