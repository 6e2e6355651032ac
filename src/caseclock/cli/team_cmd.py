"""``caseclock team``: create teams, add and remove members and leads, list them."""

from __future__ import annotations

from typing import Annotated

import typer

from caseclock.cli.environment import load_settings
from caseclock.cli.unit_of_work import CLI_ACTOR, unit_of_work
from caseclock.clock import SystemClock
from caseclock.services import people, teams

app = typer.Typer(help="Teams: members, leads, calendar and notifications.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="the team's name, as events name it (e.g. L2)")],
    calendar: Annotated[str | None, typer.Option(help="the team's region calendar")] = None,
    email: Annotated[str | None, typer.Option(help="the team's address")] = None,
    chat_endpoint: Annotated[
        str | None, typer.Option(help="a registered chat endpoint for team notifications")
    ] = None,
) -> None:
    """Create a team."""
    settings = load_settings()
    fields = {"calendar": calendar, "email": email, "chat_endpoint": chat_endpoint}
    with unit_of_work(settings) as session:
        teams.create_team(session, name, fields, actor=CLI_ACTOR, now=SystemClock().now())
    typer.echo(f"created team {name}")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="the team")],
    handle: Annotated[str, typer.Argument(help="the user to add")],
    lead: Annotated[bool, typer.Option(help="as a lead of the team")] = False,
) -> None:
    """Add a member (again: make them lead, or not)."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        team = teams.get_team(session, name)
        user = people.get_user(session, handle)
        teams.set_member(session, team, user, lead=lead, actor=CLI_ACTOR, now=SystemClock().now())
    typer.echo(f"{handle} is on {name}{' as a lead' if lead else ''}")


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="the team")],
    handle: Annotated[str, typer.Argument(help="the member to remove")],
) -> None:
    """Remove a member from a team."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        team = teams.get_team(session, name)
        user = people.get_user(session, handle)
        teams.remove_member(session, team, user, actor=CLI_ACTOR, now=SystemClock().now())
    typer.echo(f"{handle} left {name}")


@app.command("list")
def list_teams() -> None:
    """One line per team: name, calendar, address, members (a * marks a lead)."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        rows = list(teams.list_teams(session))
        members = teams.members(session, rows)
        for row in rows:
            names = ",".join(f"{m.user.handle}{'*' if m.lead else ''}" for m in members[row.id])
            typer.echo(f"{row.name}\t{row.calendar or '-'}\t{row.email or '-'}\t{names or '-'}")
