"""Service commands: serve, db, policy, apikey, demo, quickstart."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the service commands to ``app`` (filled in by the service work)."""
    del app
