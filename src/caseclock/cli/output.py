"""How every command reports bad input: one line on stderr and exit status 2."""

from __future__ import annotations

from typing import NoReturn

import typer

USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    """Print ``caseclock: error: <message>`` (one line) to stderr and exit with status 2."""
    report(message)
    raise typer.Exit(USAGE_ERROR)


def report(message: str) -> None:
    """Print ``caseclock: error: <message>`` on one line to stderr."""
    one_line = " ".join(message.split())
    typer.echo(f"caseclock: error: {one_line}", err=True)
