"""``/users``: the people of the installation. Everyone reads the directory (owner pickers
need it); admins change it; people change their own name, zone and password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from caseclock.api.deps import Admin, DbSession, Now, SettingsDep, Viewer
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.schemas.people import (
    InvitationIn,
    InvitationOut,
    PasswordIn,
    TeamMembershipOut,
    UserIn,
    UserList,
    UserOut,
    UserPatch,
)
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.errors import Forbidden, ValidationFailed
from caseclock.services import invitations, people
from caseclock.services.access import Principal, Role
from caseclock.services.passwords import policy_from, verify_password
from caseclock.store.models import UserRow

router = APIRouter(tags=["people"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)

Handle = Annotated[str, Path(max_length=100, description="the user's handle")]


def user_out(row: UserRow, teams: list[tuple[str, bool]], viewer: Principal) -> UserOut:
    shows_scope = viewer.at_least(Role.ADMIN) or viewer.user_id == row.id
    return UserOut(
        id=row.id,
        handle=row.handle,
        display_name=row.display_name,
        email=row.email,
        time_zone=row.time_zone,
        role=row.role,
        active=row.active,
        scoped=row.accounts is not None,
        accounts=row.accounts if shows_scope else None,
        has_password=row.password_hash is not None,
        teams=[TeamMembershipOut(team=name, lead=lead) for name, lead in teams],
        created_at=row.created_at,
    )


def _one(session: DbSession, row: UserRow, viewer: Principal) -> UserOut:
    return user_out(row, people.teams_by_user(session, [row]).get(row.id, []), viewer)


@router.get("/users", summary="List users, with their teams")
def list_users(session: DbSession, principal: Viewer) -> UserList:
    rows = people.list_users(session)
    teams = people.teams_by_user(session, rows)
    return UserList(items=[user_out(row, teams.get(row.id, []), principal) for row in rows])


@router.get("/users/me", summary="The user behind this key")
def get_me(session: DbSession, principal: Viewer) -> UserOut:
    if principal.user_id is None:
        raise ValidationFailed("this key belongs to a service account, not a user")
    return _one(session, people.get_user_by_id(session, principal.user_id), principal)


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create a user")
def create_user(
    body: UserIn, session: DbSession, now: Now, settings: SettingsDep, principal: Admin
) -> UserOut:
    row = people.create_user(
        session,
        people.NewUser(**body.model_dump()),
        actor=principal.actor,
        passwords=policy_from(settings),
        now=now,
    )
    return _one(session, row, principal)


@router.post(
    "/users/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite a person: add the user and email them a link to set their own password",
    responses={502: {"description": "the SMTP server did not take the email; nothing was kept"}},
)
def invite(
    body: InvitationIn, session: DbSession, now: Now, settings: SettingsDep, principal: Admin
) -> InvitationOut:
    fields = body.model_dump(exclude={"team", "lead"})
    issued = invitations.invite(
        session,
        people.NewUser(**fields),
        team=body.team,
        lead=body.lead,
        actor=principal.actor,
        settings=settings,
        passwords=policy_from(settings),
        now=now,
    )
    invitations.send(issued, settings=settings, now=now)
    return InvitationOut(
        user=_one(session, issued.user, principal),
        sent_to=issued.user.email,
        expires_at=issued.row.expires_at,
    )


@router.post(
    "/users/{handle}/invitation",
    status_code=status.HTTP_201_CREATED,
    summary="Send a new invitation to a user who has no password yet (ends the previous link)",
    responses={502: {"description": "the SMTP server did not take the email; nothing was kept"}},
)
def invite_again(
    handle: Handle, session: DbSession, now: Now, settings: SettingsDep, principal: Admin
) -> InvitationOut:
    row = people.get_user(session, handle)
    issued = invitations.issue(session, row, actor=principal.actor, settings=settings, now=now)
    invitations.send(issued, settings=settings, now=now)
    return InvitationOut(
        user=_one(session, row, principal), sent_to=row.email, expires_at=issued.row.expires_at
    )


@router.get("/users/{handle}", summary="One user")
def get_user(handle: Handle, session: DbSession, principal: Viewer) -> UserOut:
    return _one(session, people.get_user(session, handle), principal)


@router.patch("/users/{handle}", summary="Change a user (people change their own name and zone)")
def patch_user(
    handle: Handle, body: UserPatch, session: DbSession, now: Now, principal: Viewer
) -> UserOut:
    row = people.get_user(session, handle)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    people.update_user(session, row, changes, by=principal, now=now)
    return _one(session, row, principal)


@router.post("/users/{handle}/deactivate", summary="Deactivate: revoke keys, end sessions")
def deactivate(handle: Handle, session: DbSession, now: Now, principal: Admin) -> UserOut:
    row = people.get_user(session, handle)
    people.deactivate_user(session, row, by=principal, actor=principal.actor, now=now)
    return _one(session, row, principal)


@router.post("/users/{handle}/reactivate", summary="Let a deactivated user back in")
def reactivate(handle: Handle, session: DbSession, now: Now, principal: Admin) -> UserOut:
    row = people.get_user(session, handle)
    people.reactivate_user(session, row, actor=principal.actor, now=now)
    return _one(session, row, principal)


@router.put(
    "/users/{handle}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a password (an admin's reset, or one's own change with the current one)",
)
def put_password(
    *,
    handle: Handle,
    body: PasswordIn,
    session: DbSession,
    now: Now,
    settings: SettingsDep,
    principal: Viewer,
) -> None:
    row = people.get_user(session, handle)
    policy = policy_from(settings)
    if not principal.at_least(Role.ADMIN):
        if principal.user_id != row.id:
            raise Forbidden("only an admin can set another user's password")
        if (
            row.password_hash is not None
            and not verify_password(policy, row.password_hash, body.current_password or "").ok
        ):
            raise ValidationFailed("the current password is wrong", path="current_password")
    people.set_password(
        session,
        row,
        body.password,
        by=principal,
        actor=principal.actor,
        passwords=policy,
        now=now,
    )
