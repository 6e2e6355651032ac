"""``caseclock plan``: the plans customer milestones are made from, shipped and stored.

``create`` reads a plan document (YAML or JSON, ``-`` for standard input) and stores it under
its key; a document that is not valid is refused whole, one line naming the path of the first
problem, and nothing is stored. The command line acts with an admin's rights (``cli``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml

from caseclock.cli.environment import load_settings
from caseclock.cli.milestone_cmd import CLI, apply_plan
from caseclock.cli.output import fail
from caseclock.cli.unit_of_work import unit_of_work
from caseclock.clock import SystemClock
from caseclock.services import plans

app = typer.Typer(help="Plans of customer milestones: list, show, create, delete, apply.")


@app.command("list")
def list_plans() -> None:
    """One line per plan: key, shipped or stored, name, its milestones."""
    with unit_of_work(load_settings()) as session:
        for entry in plans.list_plans(session):
            plan = entry.plan
            origin = "shipped" if entry.shipped else "stored"
            names = ", ".join(m.name for m in plan.milestones)
            typer.echo(f"{plan.key}\t{origin}\t{plan.name}\t{names}")


@app.command("show")
def show(key: Annotated[str, typer.Argument(help="the plan's key")]) -> None:
    """The plan's document, as YAML."""
    with unit_of_work(load_settings()) as session:
        plan = plans.plan_entry(session, key).plan
        typer.echo(yaml.safe_dump(plan.model_dump(mode="json", exclude_none=True), sort_keys=False))


@app.command("create")
def create(
    file: Annotated[str, typer.Argument(help="a YAML or JSON plan document; - reads stdin")],
) -> None:
    """Store a plan under its key (refused whole when it is not valid)."""
    text = _read(file)
    with unit_of_work(load_settings()) as session:
        plan = plans.create_plan(session, text, CLI, now=SystemClock().now())
        typer.echo(f"{plan.key}\tstored\t{plan.name}\t{len(plan.milestones)} milestones")


@app.command("delete")
def delete(key: Annotated[str, typer.Argument(help="the stored plan's key")]) -> None:
    """Delete a stored plan (milestones made from it stay)."""
    with unit_of_work(load_settings()) as session:
        plans.delete_plan(session, key, CLI, now=SystemClock().now())
    typer.echo(f"{key}\tdeleted")


@app.command("apply")
def apply(
    plan: Annotated[str, typer.Argument(help="the plan's key (see `caseclock plan list`)")],
    account: Annotated[str, typer.Argument(help="the account's id")],
    start: Annotated[
        str | None, typer.Option(help="date the plan counts from (YYYY-MM-DD)")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="the milestones' owner (a handle)")] = None,
) -> None:
    """Apply a plan to an account from a start date: its milestones, tasks and reminders."""
    apply_plan(account, plan, start=start, owner=owner)


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
