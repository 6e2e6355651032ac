"""Throwaway schemas: those of runs that were killed are dropped, and only those."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from caseclock.store.database import make_engine
from tests.pg_schemas import SCHEMA_LOCKS, SCHEMA_PREFIX, drop_stale_schemas, server_url

pytestmark = pytest.mark.postgres


@pytest.fixture
def admin(pg_schema_url: str) -> Iterator[Engine]:
    """The server itself (``pg_schema_url`` skips, or fails on CI, when it is unreachable)."""
    engine = make_engine(server_url())
    try:
        yield engine
    finally:
        engine.dispose()


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _schemas(connection: Connection) -> set[str]:
    return set(
        connection.scalars(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": f"{SCHEMA_PREFIX}%"},
        )
    )


def test_only_schemas_of_gone_runs_are_dropped(admin: Engine) -> None:
    """A schema whose run is gone (dead pid, lock free) is dropped; one whose process is alive,
    or whose lock a live run holds, is kept."""
    dead = _dead_pid()
    stale = f"{SCHEMA_PREFIX}{dead}_stale0"
    locked = f"{SCHEMA_PREFIX}{dead}_locked"
    alive = f"{SCHEMA_PREFIX}{os.getpid()}_alive0"
    with admin.begin() as connection:
        for name in (stale, locked, alive):
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    with admin.connect() as holder:
        holder.execute(
            text("SELECT pg_advisory_lock(:space, hashtext(:name))"),
            {"space": SCHEMA_LOCKS, "name": locked},
        )
        holder.commit()
        try:
            with admin.begin() as connection:
                dropped = drop_stale_schemas(connection)
            with admin.connect() as connection:
                left = _schemas(connection)
        finally:
            with admin.begin() as connection:
                for name in (locked, alive):
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    assert stale in dropped
    assert stale not in left
    assert {locked, alive} <= left
