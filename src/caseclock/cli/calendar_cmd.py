"""``caseclock calendar``: check deadlines by hand."""

from __future__ import annotations

import typer

app = typer.Typer(help="Business-calendar arithmetic: deadlines and open time.", no_args_is_help=True)
