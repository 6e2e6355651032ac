"""Throwaway PostgreSQL schemas: a migrated schema of its own for a test run, a test or a
benchmark, dropped when it is done, so parallel and repeated runs never collide.

The tests (``tests/conftest.py``, ``tests/worker/conftest.py``) and the PostgreSQL benchmarks
(``bench/ingest_bench.py``, ``bench/worker_bench.py``) all take their schemas from here.

Each schema is named ``cc_test_<pid>_<random>`` and its owner holds an advisory lock on it for
as long as it lives (the server releases the lock when the owner's connection goes, however
the owner ended). A run killed before its end leaves its schema behind; the next schema made
here drops it first: a schema is stale when nobody holds its lock and the process its name
carries is gone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from caseclock.store import migrate
from caseclock.store.database import make_engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA_PREFIX = "cc_test_"  # then the owner's pid and a random suffix
SCHEMA_LOCKS = 0x63637473  # advisory lock space of the schemas (with hashtext(name))


class ServerUnreachable(Exception):
    """The PostgreSQL server cannot be reached; the message is the driver's first line."""


def server_url() -> str:
    """The test server's URL (``CASECLOCK_TEST_DATABASE_URL``, else the local ``test``
    database), with a connect timeout so an unreachable host fails fast."""
    url = make_url(os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_URL))
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": "5"})
    return url.render_as_string(hide_password=False)


def _owner_alive(schema: str) -> bool:
    """Whether the process named in a ``cc_test_<pid>_<hex>`` schema still runs here (a name
    it cannot read, or a pid it may not signal, counts as alive: never drop on a doubt)."""
    try:
        pid = int(schema.split("_")[2])
        os.kill(pid, 0)
    except (IndexError, ValueError, PermissionError):
        return True
    except ProcessLookupError:
        return False
    return True


def drop_stale_schemas(connection: Connection) -> list[str]:
    """Drop the schemas that owners killed before their teardown left behind; return them."""
    names = connection.scalars(
        text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix ORDER BY nspname"),
        {"prefix": f"{SCHEMA_PREFIX}%"},
    ).all()
    dropped = []
    for name in names:
        if _owner_alive(name):
            continue
        if connection.scalar(
            text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:name))"),
            {"space": SCHEMA_LOCKS, "name": name},
        ):
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            dropped.append(name)
    return dropped


@contextmanager
def throwaway_schema(base_url: str, *, options: str = "", migrated: bool = True) -> Iterator[str]:
    """A migrated (or, with ``migrated=False``, empty) schema of its own on the server of
    ``base_url``, dropped when the block ends; yields a URL whose connections use it
    (``search_path``, then ``options``, extra ``-c`` settings). Raises ``ServerUnreachable``
    when the server cannot be reached."""
    admin = make_engine(base_url)
    schema = f"{SCHEMA_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        owner = admin.connect()  # holds the schema's lock for as long as it lives
    except OperationalError as exc:
        admin.dispose()
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ServerUnreachable(reason) from None
    try:
        owner.execute(
            text("SELECT pg_advisory_lock(:space, hashtext(:name))"),
            {"space": SCHEMA_LOCKS, "name": schema},
        )
        owner.commit()
        with admin.begin() as connection:
            drop_stale_schemas(connection)
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings = f"-csearch_path={schema} {options}".strip()
        url = make_url(base_url).update_query_dict({"options": settings})
        schema_url = url.render_as_string(hide_password=False)
        if migrated:
            engine = make_engine(schema_url)
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()
        yield schema_url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        owner.close()
        admin.dispose()
