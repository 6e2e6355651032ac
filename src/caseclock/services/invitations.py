"""Invitations: an admin adds a person by email; the person receives a single-use link that
expires, and sets their own password with it (or signs in with single sign-on, which links
their identity). The admin never sees the link nor the password.

Only the token's SHA-256 is stored. A link is usable once, until ``CASECLOCK_INVITATION_HOURS``
after it was sent; sending a new invitation ends the previous one. The invited user exists
from the start (owners and teams can name them) but cannot sign in with a password before
accepting. Inviting, accepting and sending again are audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.channels.email import EmailTemplates, deliver_email, smtp_settings
from caseclock.channels.outcome import DeliveryOutcome, DeliveryStatus
from caseclock.config import Settings
from caseclock.errors import CaseclockError, Conflict, NotFound
from caseclock.services import audit, people, teams
from caseclock.services.passwords import PasswordPolicy
from caseclock.services.sessions import SignedIn, open_session, token_digest
from caseclock.store.models import InvitationRow, UserRow
from caseclock.store.repositories.identities import InvitationRepository

INVITATION_PATH = "/invitation/"
EMAIL_TEMPLATE = "invitation"


class InvitationUnusable(CaseclockError):
    """A link that was used, replaced or has expired."""

    status = 410
    title = "This invitation link cannot be used"


class InvitationNotSent(CaseclockError):
    """The invitation email could not be handed to the SMTP server; nothing was kept."""

    status = 502
    title = "The invitation could not be sent"


@dataclass(frozen=True, slots=True)
class Issued:
    """A new invitation: ``link`` goes into the email only."""

    user: UserRow
    row: InvitationRow
    link: str


@dataclass(frozen=True, slots=True)
class Usable:
    user: UserRow
    row: InvitationRow


def invite(
    session: Session,
    new: people.NewUser,
    *,
    team: str | None,
    lead: bool,
    actor: str,
    settings: Settings,
    passwords: PasswordPolicy,
    now: datetime,
) -> Issued:
    """Add the user ``new`` (without a password), put them on ``team``, and issue their link."""
    if new.password is not None:
        raise Conflict("an invited person sets their own password")
    user = people.create_user(session, new, actor=actor, passwords=passwords, now=now)
    if team:
        found = teams.get_team(session, team)
        teams.set_member(session, found, user, lead=lead, actor=actor, now=now)
    return issue(session, user, actor=actor, settings=settings, now=now)


def issue(
    session: Session, user: UserRow, *, actor: str, settings: Settings, now: datetime
) -> Issued:
    """A new link for ``user`` (ending any earlier one). Refused for a deactivated user and
    for one who already has a password (they reset it instead)."""
    if not user.active:
        raise Conflict(f"{user.handle} is deactivated; reactivate them first")
    if user.password_hash is not None:
        raise Conflict(f"{user.handle} has a password already; reset it instead")
    repository = InvitationRepository(session)
    repository.revoke_open(user.id, now=now)
    token = secrets.token_urlsafe(32)
    row = repository.add(
        InvitationRow(
            token_hash=token_digest(token),
            user_id=user.id,
            invited_by=actor[:200],
            created_at=now,
            expires_at=now + timedelta(hours=settings.invitation_hours),
            used_at=None,
            revoked_at=None,
        )
    )
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.USER,
        target=user.handle,
        action="invite",
        at=now,
        details={"email": user.email, "expires_at": row.expires_at.isoformat()},
    )
    link = settings.console_url.rstrip("/") + INVITATION_PATH + token
    return Issued(user=user, row=row, link=link)


def send(issued: Issued, *, settings: Settings, now: datetime) -> None:
    """Email the link to the invited person; ``InvitationNotSent`` when the SMTP server did
    not take it (the caller rolls back: no invitation nobody received)."""
    rendered = EmailTemplates().render(
        EMAIL_TEMPLATE,
        {
            "name": issued.user.display_name,
            "handle": issued.user.handle,
            "link": issued.link,
            "expires_utc": issued.row.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
            "console_url": settings.console_url.rstrip("/"),
        },
    )
    outcome: DeliveryOutcome = deliver_email(
        smtp_settings(settings),
        rendered,
        to=[issued.user.email],
        key=f"invitation-{issued.row.id}",
        now=now,
    )
    if outcome.status is not DeliveryStatus.DELIVERED:
        raise InvitationNotSent(f"the email to {issued.user.email} was not sent: {outcome.reason}")


def usable(session: Session, token: str, *, now: datetime) -> Usable:
    """The invitation of ``token`` and its user, if it can still be accepted."""
    row = InvitationRepository(session).by_token_hash(token_digest(token))
    if row is None:
        raise NotFound("this invitation link is not valid; check that it was copied whole")
    if row.used_at is not None:
        raise InvitationUnusable("this invitation was used already: sign in instead")
    if row.revoked_at is not None:
        raise InvitationUnusable("a newer invitation replaced this one: use the latest email")
    if row.expires_at <= now:
        raise InvitationUnusable("this invitation has expired: ask an admin to send a new one")
    user = people.get_user_by_id(session, row.user_id)
    if not user.active:
        raise InvitationUnusable("this account is deactivated")
    return Usable(user=user, row=row)


def mark_accepted(session: Session, token: str, *, method: str, now: datetime) -> UserRow:
    found = usable(session, token, now=now)
    found.row.used_at = now
    audit.record(
        session,
        actor=found.user.handle,
        kind=audit.Kind.USER,
        target=found.user.handle,
        action="accept_invitation",
        at=now,
        details={"method": method},
    )
    return found.user


def accept_with_password(
    session: Session,
    token: str,
    password: str,
    *,
    passwords: PasswordPolicy,
    address: str | None,
    agent: str | None,
    now: datetime,
) -> SignedIn:
    """Set the invited person's password, use up the link and sign them in."""
    user = usable(session, token, now=now).user
    people.set_password(
        session, user, password, by=None, actor=user.handle, passwords=passwords, now=now
    )
    mark_accepted(session, token, method="password", now=now)
    return open_session(session, user, address=address, agent=agent, method="password", now=now)


def open_invitations(session: Session, users: list[UserRow]) -> dict[int, InvitationRow]:
    """Each user's unused invitation (maybe expired), for the people page."""
    return InvitationRepository(session).latest_open(u.id for u in users)
