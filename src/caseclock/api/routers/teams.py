"""``/teams``: members, leads, the region's calendar, an address and a chat endpoint. Everyone
reads; admins change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from caseclock.api.deps import Admin, DbSession, Now, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.schemas.people import MemberIn, MemberOut, TeamIn, TeamList, TeamOut, TeamPatch
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import people, teams
from caseclock.store.models import TeamRow

router = APIRouter(tags=["people"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)

TeamName = Annotated[str, Path(max_length=100, description="the team's name")]
Handle = Annotated[str, Path(max_length=100, description="a member's handle")]


def _outs(session: DbSession, rows: list[TeamRow]) -> list[TeamOut]:
    members = teams.members(session, rows)
    return [
        TeamOut(
            name=row.name,
            calendar=row.calendar,
            email=row.email,
            chat_endpoint=row.chat_endpoint,
            leads=[m.user.handle for m in members[row.id] if m.lead],
            members=[
                MemberOut(
                    handle=m.user.handle,
                    display_name=m.user.display_name,
                    email=m.user.email,
                    lead=m.lead,
                    active=m.user.active,
                )
                for m in members[row.id]
            ],
        )
        for row in rows
    ]


@router.get("/teams", summary="List teams with their members and leads")
def list_teams(session: DbSession, _: Viewer) -> TeamList:
    return TeamList(items=_outs(session, list(teams.list_teams(session))))


@router.post("/teams", status_code=status.HTTP_201_CREATED, summary="Create a team")
def create_team(body: TeamIn, session: DbSession, now: Now, principal: Admin) -> TeamOut:
    fields = body.model_dump(include={"calendar", "email", "chat_endpoint"})
    row = teams.create_team(session, body.name, fields, actor=principal.actor, now=now)
    for handle in dict.fromkeys([*body.members, *body.leads]):
        user = people.get_user(session, handle)
        teams.set_member(
            session, row, user, lead=handle in body.leads, actor=principal.actor, now=now
        )
    return _outs(session, [row])[0]


@router.get("/teams/{name}", summary="One team")
def get_team(name: TeamName, session: DbSession, _: Viewer) -> TeamOut:
    return _outs(session, [teams.get_team(session, name)])[0]


@router.patch("/teams/{name}", summary="Change a team's calendar, address or chat endpoint")
def patch_team(
    name: TeamName, body: TeamPatch, session: DbSession, now: Now, principal: Admin
) -> TeamOut:
    row = teams.get_team(session, name)
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    teams.update_team(session, row, changes, actor=principal.actor, now=now)
    return _outs(session, [row])[0]


@router.put("/teams/{name}/members/{handle}", summary="Add a member, or make them lead or not")
def put_member(
    *,
    name: TeamName,
    handle: Handle,
    body: MemberIn,
    session: DbSession,
    now: Now,
    principal: Admin,
) -> TeamOut:
    row = teams.get_team(session, name)
    user = people.get_user(session, handle)
    teams.set_member(session, row, user, lead=body.lead, actor=principal.actor, now=now)
    return _outs(session, [row])[0]


@router.delete(
    "/teams/{name}/members/{handle}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member",
)
def delete_member(
    name: TeamName, handle: Handle, session: DbSession, now: Now, principal: Admin
) -> None:
    row = teams.get_team(session, name)
    user = people.get_user(session, handle)
    teams.remove_member(session, row, user, actor=principal.actor, now=now)
