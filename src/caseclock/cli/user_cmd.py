"""``caseclock user``: create, invite, list, deactivate users and set their passwords."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from caseclock.cli.environment import load_settings
from caseclock.cli.unit_of_work import CLI_ACTOR, unit_of_work
from caseclock.clock import SystemClock
from caseclock.services import invitations, people, teams
from caseclock.services.passwords import generated_password, policy_from
from caseclock.store.models import UserRow

app = typer.Typer(help="Users: the people who sign in and own work.", no_args_is_help=True)
PasswordStdin = Annotated[
    bool, typer.Option(help="read the password from stdin (else one is generated)")
]


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from stdin's first line, else a generated one (and True)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generated_password(), True


Handle = Annotated[str, typer.Argument(help="what helpdesk events name as owner, e.g. ana")]
Email = Annotated[str, typer.Option(help="where their notifications go")]
RoleOption = Annotated[str, typer.Option(help="admin, lead, agent or viewer")]
Name = Annotated[str | None, typer.Option(help="display name (default: the handle)")]
Zone = Annotated[str, typer.Option(help="IANA time zone")]
Accounts = Annotated[
    str | None, typer.Option(help="comma-separated account ids the user is limited to")
]
Teams = Annotated[list[str] | None, typer.Option(help="a team to join (repeatable)")]
Lead = Annotated[bool, typer.Option(help="lead the teams given with --team")]


def _new_user(
    handle: str, *, email: str, role: str, name: str | None, zone: str, accounts: str | None
) -> people.NewUser:
    return people.NewUser(
        handle=handle,
        email=email,
        role=role,
        display_name=name,
        time_zone=zone,
        accounts=accounts.split(",") if accounts is not None else None,
    )


def _join(session: Session, row: UserRow, names: list[str] | None, *, lead: bool) -> None:
    for team_name in names or []:
        found = teams.get_team(session, team_name)
        teams.set_member(session, found, row, lead=lead, actor=CLI_ACTOR, now=SystemClock().now())


@app.command("create")
def create(
    handle: Handle,
    *,
    email: Email,
    role: RoleOption = "agent",
    name: Name = None,
    zone: Zone = "UTC",
    accounts: Accounts = None,
    team: Teams = None,
    lead: Lead = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user; a generated password is printed once."""
    settings = load_settings()
    password, generated = _password(password_stdin)
    now = SystemClock().now()
    with unit_of_work(settings) as session:
        row = people.create_user(
            session,
            replace(
                _new_user(handle, email=email, role=role, name=name, zone=zone, accounts=accounts),
                password=password,
            ),
            actor=CLI_ACTOR,
            passwords=policy_from(settings),
            now=now,
        )
        _join(session, row, team, lead=lead)
    typer.echo(f"created {row.role} {row.handle} <{row.email}>", err=True)
    if generated:
        typer.echo("their password, shown only once:", err=True)
        typer.echo(password)


@app.command("invite")
def invite(
    handle: Handle,
    *,
    email: Email,
    role: RoleOption = "agent",
    name: Name = None,
    zone: Zone = "UTC",
    accounts: Accounts = None,
    team: Teams = None,
    lead: Lead = False,
) -> None:
    """Add a user and email them a single-use link to set their own password (nothing is
    kept if the email cannot be sent)."""
    settings = load_settings()
    now = SystemClock().now()
    with unit_of_work(settings) as session:
        issued = invitations.invite(
            session,
            _new_user(handle, email=email, role=role, name=name, zone=zone, accounts=accounts),
            team=None,
            lead=False,
            actor=CLI_ACTOR,
            settings=settings,
            passwords=policy_from(settings),
            now=now,
        )
        _join(session, issued.user, team, lead=lead)
        invitations.send(issued, settings=settings, now=now)
    _sent(issued)


@app.command("reinvite")
def reinvite(handle: Annotated[str, typer.Argument(help="the user's handle")]) -> None:
    """Email a new invitation to a user who has no password yet (the previous link ends)."""
    settings = load_settings()
    now = SystemClock().now()
    with unit_of_work(settings) as session:
        row = people.get_user(session, handle)
        issued = invitations.issue(session, row, actor=CLI_ACTOR, settings=settings, now=now)
        invitations.send(issued, settings=settings, now=now)
    _sent(issued)


def _sent(issued: invitations.Issued) -> None:
    until = issued.row.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    typer.echo(f"invitation sent to {issued.user.email}; the link works until {until}")


@app.command("list")
def list_users() -> None:
    """One line per user: handle, role, email, teams (a * marks a lead), state."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        rows = people.list_users(session)
        memberships = people.teams_by_user(session, rows)
        for row in rows:
            on = ",".join(f"{t}{'*' if lead else ''}" for t, lead in memberships.get(row.id, []))
            state = "active" if row.active else "deactivated"
            typer.echo(f"{row.handle}\t{row.role}\t{row.email}\t{on or '-'}\t{state}")


@app.command("deactivate")
def deactivate(handle: Annotated[str, typer.Argument(help="the user's handle")]) -> None:
    """Deactivate a user: their keys are revoked and their sessions end."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        row = people.get_user(session, handle)
        revoked = people.deactivate_user(
            session, row, by=None, actor=CLI_ACTOR, now=SystemClock().now()
        )
    typer.echo(f"deactivated {handle}; {revoked} key(s) revoked")


@app.command("set-password")
def set_password(
    handle: Annotated[str, typer.Argument(help="the user's handle")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Reset a user's password (their sessions end); a generated one is printed once."""
    settings = load_settings()
    password, generated = _password(password_stdin)
    with unit_of_work(settings) as session:
        row = people.get_user(session, handle)
        people.set_password(
            session,
            row,
            password,
            by=None,
            actor=CLI_ACTOR,
            passwords=policy_from(settings),
            now=SystemClock().now(),
        )
    typer.echo(f"password of {handle} set", err=True)
    if generated:
        typer.echo(password)
