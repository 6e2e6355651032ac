"""``caseclock policy apply`` and ``caseclock apikey create``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from caseclock.cli.database import migrated_database
from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.clock import SystemClock
from caseclock.core.policy import load_bundle
from caseclock.errors import CaseclockError
from caseclock.services.access import create_key
from caseclock.services.policy import apply_bundle
from caseclock.store.database import make_session_factory

policy_app = typer.Typer(help="Policy bundles: calendars, processes, rules.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)


@policy_app.command("apply")
def apply(bundle: Annotated[Path, typer.Argument(help="a YAML or JSON policy bundle")]) -> None:
    """Validate a bundle and apply it atomically; print the process versions it created."""
    settings = load_settings()
    try:
        loaded = load_bundle(bundle)
    except CaseclockError as exc:
        fail(str(exc))
    with migrated_database(settings) as engine, make_session_factory(engine)() as session:
        applied = apply_bundle(session, loaded, now=SystemClock().now())
        session.commit()
    for name, changed in applied.calendars:
        typer.echo(f"calendar {name}: {'updated' if changed else 'unchanged'}")
    for process in applied.processes:
        state = "new version" if process.created else "unchanged"
        typer.echo(f"process {process.key}: version {process.version} ({state})")


@apikey_app.command("create")
def create(
    role: Annotated[str, typer.Option(help="admin, agent or viewer")],
    name: Annotated[str | None, typer.Option(help="a label to recognise the key by")] = None,
    accounts: Annotated[
        str | None, typer.Option(help="comma-separated account ids the key is limited to")
    ] = None,
) -> None:
    """Create an API key and print it once (only its digest is stored)."""
    settings = load_settings()
    with migrated_database(settings) as engine, make_session_factory(engine)() as session:
        try:
            made = create_key(
                session,
                role=role,
                name=name,
                accounts=accounts.split(",") if accounts is not None else None,
                now=SystemClock().now(),
            )
        except CaseclockError as exc:
            fail(str(exc))
        session.commit()
    scope = f" for accounts {', '.join(made.row.accounts)}" if made.row.accounts else ""
    typer.echo(
        f"created {made.row.role} key {made.row.name!r}{scope}; it is shown only once:", err=True
    )
    typer.echo(made.secret)
