"""Entry point: assembles the command groups, each defined in its own module."""

from __future__ import annotations

import typer

from caseclock.cli import calendar_cmd, service_cmd, simulate_cmd, worker_cmd

app = typer.Typer(
    name="caseclock",
    help="SLA and milestone engine for B2B support: business calendars, milestones, actions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(calendar_cmd.app, name="calendar")
simulate_cmd.register(app)
service_cmd.register(app)
worker_cmd.register(app)


def main() -> None:
    app()
