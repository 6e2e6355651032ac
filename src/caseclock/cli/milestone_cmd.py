"""``caseclock milestone``: customer milestones on accounts, their plans, tasks and collaborators.

The command line acts with an admin's rights; the audit trail names it ``cli``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.cli.unit_of_work import CLI_ACTOR, unit_of_work
from caseclock.clock import SystemClock
from caseclock.services import account_clock, account_milestones, milestone_work, plans
from caseclock.services.access import Principal, Role

app = typer.Typer(
    help="Customer milestones on accounts: plans, milestones, tasks, collaborators.",
    no_args_is_help=True,
)
CLI = Principal(key_id=0, name=CLI_ACTOR, role=Role.ADMIN, handle=CLI_ACTOR)


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)")


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


@app.command("plans")
def list_plans() -> None:
    """One line per plan (shipped and stored): key, name, its milestones."""
    with unit_of_work(load_settings()) as session:
        for entry in plans.list_plans(session):
            plan = entry.plan
            names = ", ".join(m.name for m in plan.milestones)
            typer.echo(f"{plan.key}\t{plan.name}\t{names}")


@app.command("apply")
def apply(
    account: Annotated[str, typer.Argument(help="the account's id")],
    plan: Annotated[str, typer.Argument(help="a plan's key (see `caseclock plan list`)")],
    start: Annotated[
        str | None, typer.Option(help="date the plan counts from (YYYY-MM-DD)")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="the milestones' owner (a handle)")] = None,
) -> None:
    """Apply a plan to an account (as `caseclock plan apply PLAN ACCOUNT`)."""
    apply_plan(account, plan, start=start, owner=owner)


def apply_plan(account: str, plan: str, *, start: str | None, owner: str | None) -> None:
    """Apply ``plan`` to ``account`` and print each milestone made: id, due date, name."""
    begins = parse_date(start, "--start")
    with unit_of_work(load_settings()) as session:
        applied = plans.apply_plan(
            session,
            account,
            plans.plan_named(session, plan),
            CLI,
            now=SystemClock().now(),
            start=begins,
            owner=owner,
        )
        for row in applied.milestones:
            typer.echo(f"{row.id}\t{row.due_on.isoformat()}\t{row.name}")


@app.command("sync")
def sync() -> None:
    """Put every account's customer milestones on the engine (after an upgrade from a version
    that kept them apart; changes made since do it themselves)."""
    with unit_of_work(load_settings()) as session:
        count = account_clock.sync_all(session, now=SystemClock().now())
    typer.echo(f"{count} accounts' customer milestones on the engine")


@app.command("add")
def add(
    *,
    account: Annotated[str, typer.Argument(help="the account's id")],
    name: Annotated[str, typer.Argument(help="the milestone's name")],
    due: Annotated[str | None, typer.Option(help="the due date (YYYY-MM-DD)")] = None,
    offset: Annotated[
        str | None, typer.Option(help="or an offset: 30d, 2w, 3mo, 1y, 10bd (working days)")
    ] = None,
    after: Annotated[
        str | None, typer.Option(help="what the offset counts from: start, or a milestone id")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="the owner (a handle)")] = None,
    description: Annotated[str | None, typer.Option(help="what it is about")] = None,
    start: Annotated[str | None, typer.Option(help="an optional start date (YYYY-MM-DD)")] = None,
    team: Annotated[
        str | None, typer.Option(help="its team (default: the owner's first team)")
    ] = None,
    remind: Annotated[
        str | None, typer.Option(help="reminder offsets before the due date: 2mo,1mo,15d,1w")
    ] = None,
    repeat: Annotated[str | None, typer.Option(help="then every (1w) until done")] = None,
    collaborators: Annotated[str | None, typer.Option(help="comma-separated handles")] = None,
    pin: Annotated[str | None, typer.Option(help="pin the due date as (renewal, go-live)")] = None,
    calendar: Annotated[str | None, typer.Option(help="calendar for working days")] = None,
    move_off_closed: Annotated[
        bool, typer.Option(help="move a due date on a closed day to the previous open day")
    ] = False,
    auto_complete: Annotated[
        bool, typer.Option(help="complete when every required task is done")
    ] = False,
) -> None:
    """Add a milestone by hand."""
    settings = load_settings()
    data = account_milestones.MilestoneInput(
        name=name,
        due_on=parse_date(due, "--due"),
        offset=offset,
        after=after,
        owner=owner,
        description=description,
        starts_on=parse_date(start, "--start"),
        team=team,
        reminders={"before": list(_list(remind)), "repeat": repeat} if remind or repeat else {},
        pin=pin,
        calendar=calendar,
        move_off_closed=move_off_closed,
        auto_complete=auto_complete,
    )
    now = SystemClock().now()
    with unit_of_work(settings) as session:
        row = account_milestones.create_milestone(session, account, data, CLI, now=now)
        for handle in _list(collaborators):
            milestone_work.add_collaborator(session, row.id, handle, CLI, now=now)
        typer.echo(f"{row.id}\t{row.due_on.isoformat()}\t{row.name}")


@app.command("list")
def list_milestones(account: Annotated[str, typer.Argument(help="the account's id")]) -> None:
    """One line per milestone: id, due date, status, progress, name, owner."""
    settings = load_settings()
    with unit_of_work(settings) as session:
        today = SystemClock().now().date()
        for view in milestone_work.account_milestones(session, account, CLI, today=today):
            row = view.row
            share = "-" if view.progress is None else f"{view.progress:.0%}"
            typer.echo(
                f"{row.id}\t{row.due_on.isoformat()}\t{view.status.value}\t{share}\t"
                f"{row.name}\t{row.owner or '-'}"
            )


@app.command("done")
def done(milestone: Annotated[int, typer.Argument(help="the milestone's id")]) -> None:
    """Mark a milestone done (the ones counting from it move)."""
    with unit_of_work(load_settings()) as session:
        row = milestone_work.complete(session, milestone, CLI, now=SystemClock().now())
        typer.echo(f"{row.id}\tdone\t{row.name}")


@app.command("task")
def task(
    milestone: Annotated[int, typer.Argument(help="the milestone's id")],
    title: Annotated[str, typer.Argument(help="what is to be done")],
    assignee: Annotated[str | None, typer.Option(help="who does it (a handle)")] = None,
    optional: Annotated[bool, typer.Option(help="not needed for the milestone's progress")] = False,
) -> None:
    """Add a task under a milestone."""
    data = milestone_work.TaskInput(title=title, assignee=assignee, required=not optional)
    with unit_of_work(load_settings()) as session:
        row = milestone_work.add_task(session, milestone, data, CLI, now=SystemClock().now())
        typer.echo(f"{row.id}\t{row.title}")


@app.command("task-done")
def task_done(task_id: Annotated[int, typer.Argument(help="the task's id")]) -> None:
    """Mark a task done."""
    with unit_of_work(load_settings()) as session:
        row = milestone_work.set_task_done(session, task_id, True, CLI, now=SystemClock().now())
        typer.echo(f"{row.id}\tdone\t{row.title}")


@app.command("collaborate")
def collaborate(
    milestone: Annotated[int, typer.Argument(help="the milestone's id")],
    handle: Annotated[str, typer.Argument(help="the user")],
    remove: Annotated[bool, typer.Option(help="remove them instead")] = False,
) -> None:
    """Add (or --remove) a collaborator: they see the account while they collaborate."""
    now = SystemClock().now()
    with unit_of_work(load_settings()) as session:
        if remove:
            milestone_work.remove_collaborator(session, milestone, handle, CLI, now=now)
        else:
            milestone_work.add_collaborator(session, milestone, handle, CLI, now=now)
    typer.echo(f"{handle} {'no longer collaborates' if remove else 'collaborates'} on {milestone}")
