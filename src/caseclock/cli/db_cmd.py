"""``caseclock db``: migrate the database and check that it is current."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from caseclock.cli.database import database_problem, migrated_database, safe_url
from caseclock.cli.environment import load_settings
from caseclock.cli.output import fail
from caseclock.config import Settings
from caseclock.store import migrate
from caseclock.store.database import make_engine

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def upgrade_database(settings: Settings) -> str | None:
    """Apply every pending migration; return the revision it now stands at."""
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        fail(f"cannot migrate {safe_url(settings.database_url)}: {database_problem(exc)}")
    finally:
        engine.dispose()
    return migrate.head_revision()


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending migrations to CASECLOCK_DATABASE_URL (default: ./caseclock.db)."""
    settings = load_settings()
    revision = upgrade_database(settings)
    typer.echo(f"database {safe_url(settings.database_url)} is at migration {revision}")


@app.command("check")
def check() -> None:
    """Exit 2 unless the database is at the newest migration."""
    settings = load_settings()
    with migrated_database(settings):
        pass
    typer.echo(f"database {safe_url(settings.database_url)} is current")
