"""Teams: a name, members and leads, the region's calendar, an address and a chat endpoint.
Every change is audited in its transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.errors import Conflict, NotFound, ValidationFailed
from caseclock.services import audit
from caseclock.services.people import assign_changes, checked_email
from caseclock.store.models import CalendarRow, EndpointRow, TeamRow, UserRow
from caseclock.store.repositories.people import TeamRepository

TEAM_NAME = re.compile(r"^[\w][\w .\-]{0,99}$")


@dataclass(frozen=True, slots=True)
class Member:
    user: UserRow
    lead: bool


def _checked(session: Session, name: str, value: Any) -> Any:
    if value is None:
        return None
    text = str(value).strip()
    if name == "calendar":
        if session.get(CalendarRow, text) is None:
            raise ValidationFailed(f"no calendar {text!r}; apply a policy that has it", path=name)
        return text
    if name == "email":
        return checked_email(text)
    if name == "chat_endpoint":
        endpoint = session.get(EndpointRow, text)
        if endpoint is None or endpoint.kind != "chat":
            raise ValidationFailed(f"no chat endpoint {text!r} is registered", path=name)
        return text
    raise ValidationFailed(f"unknown field {name!r}", path=name)


def create_team(
    session: Session, name: str, fields: dict[str, Any], *, actor: str, now: datetime
) -> TeamRow:
    if not TEAM_NAME.fullmatch(name):
        raise ValidationFailed(
            "a team name is 1-100 letters, digits, spaces, '.', '_' or '-'", path="name"
        )
    repository = TeamRepository(session)
    if repository.by_name(name) is not None:
        raise Conflict(f"there is already a team {name!r}", path="name")
    checked = {key: _checked(session, key, value) for key, value in fields.items()}
    row = repository.add(TeamRow(name=name, created_at=now, updated_at=now, **checked))
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.TEAM,
        target=name,
        action="create",
        at=now,
        details=checked,
    )
    return row


def get_team(session: Session, name: str) -> TeamRow:
    found = TeamRepository(session).by_name(name)
    if found is None:
        raise NotFound(f"no team {name!r}")
    return found


def list_teams(session: Session) -> Sequence[TeamRow]:
    return TeamRepository(session).list()


def update_team(
    session: Session, team: TeamRow, fields: dict[str, Any], *, actor: str, now: datetime
) -> TeamRow:
    applied = assign_changes(
        team, {key: _checked(session, key, value) for key, value in fields.items()}
    )
    if applied:
        team.updated_at = now
        session.flush()
        audit.record(
            session,
            actor=actor,
            kind=audit.Kind.TEAM,
            target=team.name,
            action="update",
            at=now,
            details=applied,
        )
    return team


def members(session: Session, teams: Sequence[TeamRow]) -> dict[int, list[Member]]:
    """Each team's members (by handle), leads marked."""
    found: dict[int, list[Member]] = {team.id: [] for team in teams}
    for team_id, user, lead in TeamRepository(session).members(found):
        found[team_id].append(Member(user, lead))
    return found


def set_member(
    session: Session, team: TeamRow, user: UserRow, *, lead: bool, actor: str, now: datetime
) -> None:
    """Put ``user`` on ``team`` (as a lead or not); audited only when something changed."""
    repository = TeamRepository(session)
    before = repository.membership(team.id, user.id)
    if before is not None and before.lead == lead:
        return
    repository.set_member(team.id, user.id, lead=lead)
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.TEAM,
        target=team.name,
        action="add_member" if before is None else "set_lead",
        at=now,
        details={"user": user.handle, "lead": lead},
    )


def remove_member(
    session: Session, team: TeamRow, user: UserRow, *, actor: str, now: datetime
) -> None:
    if not TeamRepository(session).remove_member(team.id, user.id):
        raise NotFound(f"{user.handle} is not on team {team.name}")
    audit.record(
        session,
        actor=actor,
        kind=audit.Kind.TEAM,
        target=team.name,
        action="remove_member",
        at=now,
        details={"user": user.handle},
    )
