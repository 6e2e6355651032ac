"""What the people, profile and audit pages show, read through the services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.console.queues import role_queues
from caseclock.console.wording import team_words
from caseclock.services import directory, invitations, keys, people, sessions, sso, teams
from caseclock.services.directory import Unmapped
from caseclock.services.teams import Member
from caseclock.store.models import (
    ApiKeyRow,
    ConsoleSessionRow,
    InvitationRow,
    TeamRow,
    UserIdentityRow,
    UserRow,
)

ROLES = ("admin", "lead", "agent", "viewer")
UNMAPPED = 50  # names shown of each kind


@dataclass(frozen=True, slots=True)
class PersonRow:
    user: UserRow
    teams: list[tuple[str, bool]]
    invitation: InvitationRow | None  # their unused invitation, when they have no password yet


@dataclass(frozen=True, slots=True)
class PeoplePage:
    people: list[PersonRow]
    teams: list[tuple[TeamRow, list[Member]]]
    unmapped_owners: Sequence[Unmapped]
    unmapped_teams: Sequence[Unmapped]
    # role queues on records ("Senior engineer queue"): named like teams, but none to create
    queues: Sequence[Unmapped]


def people_page(session: Session) -> PeoplePage:
    users = list(people.list_users(session))
    memberships = people.teams_by_user(session, users)
    invited = invitations.open_invitations(session, users)
    team_rows = list(teams.list_teams(session))
    members = teams.members(session, team_rows)
    queues = role_queues(session)
    named = directory.unmapped_teams(session, limit=UNMAPPED + len(queues))
    return PeoplePage(
        people=[PersonRow(u, memberships.get(u.id, []), invited.get(u.id)) for u in users],
        teams=[(t, members[t.id]) for t in team_rows],
        unmapped_owners=directory.unmapped_owners(session, limit=UNMAPPED),
        unmapped_teams=[u for u in named if u.name not in queues][:UNMAPPED],
        queues=[Unmapped(team_words(u.name, queues), u.records) for u in named if u.name in queues],
    )


@dataclass(frozen=True, slots=True)
class ProfilePage:
    me: UserRow
    teams: list[tuple[str, bool]]
    keys: Sequence[ApiKeyRow]
    sessions: Sequence[ConsoleSessionRow]
    identities: Sequence[UserIdentityRow]


def profile_page(session: Session, user: ConsoleUser, *, now: datetime) -> ProfilePage:
    """The signed-in person's own details, keys and sessions (a key's sign-in has no user)."""
    me = people.get_user_by_id(session, user.principal.user_id or 0)
    return ProfilePage(
        me=me,
        teams=people.teams_by_user(session, [me]).get(me.id, []),
        keys=keys.own_keys(session, me.id),
        sessions=sessions.live_sessions(session, me, now=now),
        identities=sso.identities_of(session, me),
    )


@dataclass(frozen=True, slots=True)
class DirectoryNames:
    """Handles of active users and team names: owner and team pickers offer them, and a
    record naming someone else is flagged as not in the directory."""

    handles: list[str]
    teams: list[str]


def directory_names(session: Session) -> DirectoryNames:
    return DirectoryNames(
        handles=[u.handle for u in people.list_users(session) if u.active],
        teams=[t.name for t in teams.list_teams(session)],
    )
