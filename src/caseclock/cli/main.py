"""Entry point: assembles the command groups, each defined in its own module."""

from __future__ import annotations

import sys

import typer

from caseclock.cli import (
    calendar_cmd,
    import_cmd,
    insights_cmd,
    milestone_cmd,
    plan_cmd,
    service_cmd,
    simulate_cmd,
    worker_cmd,
)
from caseclock.cli.output import USAGE_ERROR, report

app = typer.Typer(
    name="caseclock",
    help="SLA and milestone engine for B2B support: business calendars, milestones, actions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(calendar_cmd.app, name="calendar")
app.add_typer(insights_cmd.app, name="insights")
app.add_typer(milestone_cmd.app, name="milestone")
app.add_typer(plan_cmd.app, name="plan")
simulate_cmd.register(app)
service_cmd.register(app)
worker_cmd.register(app)
import_cmd.register(app)


def main() -> None:
    """Run a command. Bad options and arguments are reported as every other bad input is: one
    line on stderr (with where to look) and exit status 2, not click's usage box."""
    try:
        # The name is the installed command's however it was started (python -m, a wrapper,
        # a test runner), so that usage hints name a command people can type.
        code = app(prog_name="caseclock", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, as typer raises them
        # A group run without a command has printed its help already (typer's vendored
        # NoArgsIsHelpError, matched by name: its module is private).
        if type(exc).__name__ != "NoArgsIsHelpError":
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            context = getattr(exc, "ctx", None)
            hint = f" (see `{context.command_path} --help`)" if context is not None else ""
            report(f"{message}{hint}")
        sys.exit(USAGE_ERROR)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
