"""``caseclock simulate``: evaluate a policy over an events file."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the simulate command to ``app`` (filled in by the evaluator work)."""
    del app
