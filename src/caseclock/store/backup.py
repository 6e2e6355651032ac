"""Online backup of a SQLite database, consistent while a server and worker write to it.

SQLite's backup API copies the database page by page under its own locking, so the copy is a
consistent snapshot of one instant even while another process commits (a plain ``cp`` of a
WAL-mode database can miss or tear the last transactions). PostgreSQL has its own tools
(``pg_dump``, base backups with WAL archiving); the README says how.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from caseclock.errors import ValidationFailed
from caseclock.store.single_writer import sqlite_file

PAGES_PER_STEP = 1024  # pages copied between yields to writers (4 MB at SQLite's page size)


def backup_sqlite(url: str, destination: Path) -> int:
    """Copy the SQLite database of ``url`` to ``destination`` (a new file); return its size
    in bytes. Refuses PostgreSQL, a missing database and an existing destination."""
    source = sqlite_file(url)
    if source is None:
        raise ValidationFailed(
            "caseclock backup copies a SQLite database; back PostgreSQL up with pg_dump or "
            "base backups and WAL archiving (see the README)"
        )
    if not source.is_file():
        raise ValidationFailed(f"no SQLite database at {source}")
    if destination.exists():
        raise ValidationFailed(f"{destination} exists; give a new file")
    if not destination.parent.is_dir():
        raise ValidationFailed(f"no directory {destination.parent}")
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(destination)
    try:
        reader.backup(writer, pages=PAGES_PER_STEP)
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        writer.close()
        reader.close()
    return destination.stat().st_size
