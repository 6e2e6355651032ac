"""``caseclock backup``: a consistent copy of a SQLite database while it is in use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.errors import CaseclockError
from caseclock.store.backup import backup_sqlite


def backup(
    destination: Annotated[Path, typer.Argument(help="the new file to write the copy to")],
) -> None:
    """Copy the SQLite database (CASECLOCK_DATABASE_URL) to DESTINATION with SQLite's online
    backup: consistent even while a server and worker run. Restore by stopping caseclock and
    putting the copy in the database's place."""
    settings = load_settings()
    try:
        size = backup_sqlite(settings.database_url, destination)
    except CaseclockError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {destination}: {exc.strerror}")
    typer.echo(f"backed up to {destination} ({size:,} bytes)")
