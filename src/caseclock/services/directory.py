"""The directory as actions read it: who leads a team, who holds a role on it, where a person
or a team is reached. Loaded once per firing batch; names the directory does not know resolve
to nothing here (callers then fall back to what the record itself says).

Also the names helpdesk events use that the directory does not know yet (``unmapped``), for
an admin to map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from caseclock.store.repositories.people import (
    TeamRepository,
    UnmappedRepository,
    UserRepository,
)


@dataclass(frozen=True, slots=True)
class Directory:
    """Active users and teams: ``emails`` by handle, each team's ``leads`` and ``members``
    (handle, role), and each team's own address."""

    emails: Mapping[str, str] = field(default_factory=dict)
    leads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    members: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    team_emails: Mapping[str, str] = field(default_factory=dict)

    def team_leads(self, team: object) -> list[str]:
        """The handles of the team's active leads (none for a team it does not know)."""
        return list(self.leads.get(team, ())) if isinstance(team, str) else []

    def with_role(self, team: object, role: str) -> list[str]:
        """The handles of the team's active members holding ``role``."""
        if not isinstance(team, str):
            return []
        return [handle for handle, held in self.members.get(team, ()) if held == role]

    def team_address(self, team: object) -> str | None:
        return self.team_emails.get(team) if isinstance(team, str) else None

    def address(self, handle: str) -> str | None:
        return self.emails.get(handle)


EMPTY = Directory()


def load_directory(session: Session) -> Directory:
    users = [u for u in UserRepository(session).list() if u.active]
    teams = TeamRepository(session)
    rows = teams.list()
    by_id = {team.id: team.name for team in rows}
    leads: dict[str, list[str]] = {}
    members: dict[str, list[tuple[str, str]]] = {}
    for team_id, user, lead in teams.members(by_id):
        if not user.active:
            continue
        members.setdefault(by_id[team_id], []).append((user.handle, user.role))
        if lead:
            leads.setdefault(by_id[team_id], []).append(user.handle)
    return Directory(
        emails={u.handle: u.email for u in users},
        leads={name: tuple(handles) for name, handles in leads.items()},
        members={name: tuple(found) for name, found in members.items()},
        team_emails={team.name: team.email for team in rows if team.email},
    )


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A name events use that the directory does not know, and how many records carry it."""

    name: str
    records: int


def unmapped_owners(session: Session, *, limit: int = 500) -> Sequence[Unmapped]:
    """Owners named on records that no user's handle matches, most records first."""
    return [Unmapped(n, c) for n, c in UnmappedRepository(session).owners(limit=limit)]


def unmapped_teams(session: Session, *, limit: int = 500) -> Sequence[Unmapped]:
    """Teams named on records that no team matches, most records first."""
    return [Unmapped(n, c) for n, c in UnmappedRepository(session).teams(limit=limit)]
