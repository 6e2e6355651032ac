"""People and teams (admins): invite, set role, team and lead, deactivate, reset passwords,
and the names on records the directory does not know yet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from caseclock.api.deps import DbSession, Now, SettingsDep
from caseclock.config import Settings
from caseclock.console.auth import ConsoleUser, CsrfChecked, User
from caseclock.console.form_result import applied
from caseclock.console.people_view import ROLES, people_page
from caseclock.console.router import console_router
from caseclock.console.templating import render, when
from caseclock.services import invitations, people, teams
from caseclock.services.access import Role
from caseclock.services.passwords import generated_password, policy_from

router = console_router()
Text = Annotated[str, Form(max_length=320)]


def _page(
    request: Request,
    session: DbSession,
    user: User,
    *,
    now: datetime,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()
    settings: Settings = request.app.state.settings
    context = {
        "page": people_page(session),
        "roles": ROLES,
        "done": done,
        "error": error,
        "now": now,
        "invitation_hours": settings.invitation_hours,
        "sso": settings.oidc_provider_name if settings.single_sign_on else None,
    }
    return render(request, "people.html", context, user=user)


@router.get("/people")
def people_list(
    request: Request,
    *,
    session: DbSession,
    user: User,
    now: Now,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    return _page(request, session, user, now=now, done=done, error=error)


def _act(
    session: DbSession, user: User, change: Callable[[], None], done: str | Callable[[], str]
) -> Response:
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()
    return applied(session, "/people", change, done)


@router.post("/people", dependencies=[CsrfChecked])
def invite_person(
    *,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
    handle: Text,
    email: Text,
    display_name: Text = "",
    role: Text = "agent",
    team: Text = "",
    lead: Text = "",
) -> Response:
    """Add the person and email them their invitation; if it cannot be sent, nobody is added."""
    sent: list[invitations.Issued] = []

    def change() -> None:
        issued = invitations.invite(
            session,
            people.NewUser(handle=handle, email=email, role=role, display_name=display_name),
            team=team or None,
            lead=bool(lead),
            actor=user.principal.actor,
            settings=settings,
            passwords=policy_from(settings),
            now=now,
        )
        invitations.send(issued, settings=settings, now=now)
        sent.append(issued)

    return _act(session, user, change, lambda: _sent(sent[0], user))


@router.post("/people/{handle}/invitation", dependencies=[CsrfChecked])
def invite_again(
    *, handle: str, session: DbSession, user: User, now: Now, settings: SettingsDep
) -> Response:
    sent: list[invitations.Issued] = []

    def change() -> None:
        row = people.get_user(session, handle)
        issued = invitations.issue(
            session, row, actor=user.principal.actor, settings=settings, now=now
        )
        invitations.send(issued, settings=settings, now=now)
        sent.append(issued)

    return _act(session, user, change, lambda: _sent(sent[0], user))


def _sent(issued: invitations.Issued, user: ConsoleUser) -> str:
    until = when(issued.row.expires_at, user.zone)
    return (
        f"Invitation sent to {issued.user.email}: {issued.user.handle} chooses their own "
        f"password with the link, until {until}"
    )


@router.post("/people/{handle}/role", dependencies=[CsrfChecked])
def set_role(*, handle: str, session: DbSession, user: User, now: Now, role: Text) -> Response:
    def change() -> None:
        row = people.get_user(session, handle)
        people.update_user(session, row, {"role": role}, by=user.principal, now=now)

    return _act(session, user, change, f"{handle} is now {role}")


@router.post("/people/{handle}/team", dependencies=[CsrfChecked])
def set_team(
    *, handle: str, session: DbSession, user: User, now: Now, team: Text, lead: Text = ""
) -> Response:
    def change() -> None:
        row = people.get_user(session, handle)
        teams.set_member(
            session,
            teams.get_team(session, team),
            row,
            lead=bool(lead),
            actor=user.principal.actor,
            now=now,
        )

    return _act(session, user, change, f"{handle} is on {team}{' as a lead' if lead else ''}")


@router.post("/people/{handle}/deactivate", dependencies=[CsrfChecked])
def deactivate(*, handle: str, session: DbSession, user: User, now: Now) -> Response:
    def change() -> None:
        row = people.get_user(session, handle)
        people.deactivate_user(session, row, by=user.principal, actor=user.principal.actor, now=now)

    return _act(session, user, change, f"{handle} deactivated: their keys and sessions ended")


@router.post("/people/{handle}/password", dependencies=[CsrfChecked])
def reset_password(
    request: Request,
    *,
    handle: str,
    session: DbSession,
    user: User,
    now: Now,
    settings: SettingsDep,
) -> Response:
    """A new generated password, shown once on this page (never put in a URL)."""
    user.principal.require(Role.ADMIN)
    user.principal.require_unscoped()
    password = generated_password()
    row = people.get_user(session, handle)
    people.set_password(
        session,
        row,
        password,
        by=user.principal,
        actor=user.principal.actor,
        passwords=policy_from(settings),
        now=now,
    )
    done = f"New password for {handle}, shown only now: {password}"
    return _page(request, session, user, now=now, done=done)


@router.post("/teams", dependencies=[CsrfChecked])
def create_team(
    *, session: DbSession, user: User, now: Now, name: Text, email: Text = "", calendar: Text = ""
) -> Response:
    def change() -> None:
        fields = {"email": email or None, "calendar": calendar or None}
        teams.create_team(session, name, fields, actor=user.principal.actor, now=now)

    return _act(session, user, change, f"team {name} created")
