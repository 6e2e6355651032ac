"""A unit of work on the migrated database for the commands that change it: committed when
the block ends, rolled back with one line and exit 2 on a domain error (nothing changed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from caseclock.cli.database import migrated_database
from caseclock.cli.output import fail
from caseclock.config import Settings
from caseclock.errors import CaseclockError
from caseclock.store.database import make_session_factory

CLI_ACTOR = "cli"  # how the audit trail names changes made on the command line


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    with migrated_database(settings) as engine, make_session_factory(engine)() as session:
        try:
            yield session
        except CaseclockError as exc:
            session.rollback()
            fail(str(exc))
        session.commit()
