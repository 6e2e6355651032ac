"""The database a command works on: ``CASECLOCK_DATABASE_URL``, at the newest migration.

Every command that reads or writes the store opens it here, so each one refuses the same
things in the same words: a database that cannot be reached, one that is not migrated, and a
database error while the command runs, each as one line and exit status 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from caseclock.cli.output import fail
from caseclock.config import Settings
from caseclock.store import migrate
from caseclock.store.database import make_engine


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def database_problem(exc: SQLAlchemyError) -> str:
    """What went wrong, in the driver's first line (``connection refused``, ``no such table``)."""
    driver = exc.orig if isinstance(exc, DBAPIError) else None
    reason = str(driver if driver is not None else exc)
    first = next((line.strip() for line in reason.splitlines() if line.strip()), "")
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


@contextmanager
def migrated_database(settings: Settings) -> Iterator[Engine]:
    """The engine of the settings' database, once it is known to be at the newest migration;
    disposed when the block ends. Exits 2 with one line when the database cannot be reached,
    is not migrated, or fails a statement inside the block."""
    url = safe_url(settings.database_url)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    try:
        try:
            behind = migrate.pending(engine)
        except SQLAlchemyError as exc:
            fail(f"cannot reach database {url}: {database_problem(exc)}")
        if behind:
            fail(f"database {url} is not migrated: run `caseclock db upgrade`")
        yield engine
    except SQLAlchemyError as exc:
        fail(f"database {url}: {database_problem(exc)}")
    finally:
        engine.dispose()
