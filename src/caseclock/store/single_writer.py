"""SQLite has one writer: one long-running caseclock process per database file.

A server or a worker on SQLite holds an exclusive lock on ``<database>-writer.lock`` for as
long as it runs; a second one on the same file refuses to start, naming the first, instead of
leaving unique constraints to catch the races two writers would run (two workers firing the
same timer, two servers evaluating the same record). The operating system releases the lock
when the process ends, however it ends (SIGKILL included), so a stale lock file never blocks.
Short commands (``apikey create``, ``policy apply``, ``backup``) take no lock: SQLite
serializes their single transactions against the running process.

Migrations take ``<database>-migrate.lock``, waiting for it: two ``db upgrade`` at once run one
after the other, and the second finds nothing to do. PostgreSQL needs no lock file: any number
of processes share it, and migrations take an advisory lock (``store.migrate``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from caseclock.errors import Conflict


class SecondWriter(Conflict):
    """Another server or worker already runs on this SQLite file."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database)).resolve()


@contextmanager
def single_writer(url: str, *, role: str) -> Iterator[None]:
    """Hold the writer lock of a SQLite database while the block runs (nothing for
    PostgreSQL); raise ``SecondWriter`` at once when another process holds it."""
    handle = _lock_file(url, "writer")
    if handle is None:
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise SecondWriter(
                f"{holder} already runs on {sqlite_file(url)}; SQLite has one writer: stop "
                "it, serve and fire from one process (`caseclock serve --with-worker`), or "
                "use PostgreSQL to run several"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"caseclock {role} (pid {os.getpid()})\n")
        handle.flush()
        yield


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Wait for, then hold, the migration lock of a SQLite database (nothing otherwise)."""
    handle = _lock_file(url, "migrate")
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _lock_file(url: str, purpose: str) -> TextIO | None:
    """``<database>-<purpose>.lock`` beside the SQLite file of ``url``, created when missing,
    open for reading and writing; ``None`` for PostgreSQL, and where no file can be made (a
    missing directory: opening the database then fails with its own one-line message)."""
    database = sqlite_file(url)
    if database is None:
        return None
    try:
        return database.with_name(f"{database.name}-{purpose}.lock").open("a+", encoding="utf-8")
    except OSError:
        return None
