"""The long-running commands' claim on a SQLite file (``store.single_writer``), as a CLI error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from caseclock.cli.database import safe_url
from caseclock.cli.output import fail
from caseclock.config import Settings
from caseclock.store.single_writer import SecondWriter, single_writer


@contextmanager
def sole_writer(settings: Settings, role: str) -> Iterator[None]:
    """Hold the SQLite writer lock while the block runs; exit 2 with one line when another
    server or worker holds it, or its lock file cannot be made (nothing on PostgreSQL)."""
    with ExitStack() as held:
        try:
            held.enter_context(single_writer(settings.database_url, role=role))
        except SecondWriter as exc:
            fail(str(exc))
        except OSError as exc:  # the lock file beside the database cannot be made
            fail(f"cannot lock database {safe_url(settings.database_url)}: {exc.strerror or exc}")
        yield
