"""Database fixtures: the same store and API tests on SQLite and on PostgreSQL.

Each backend's schema is built once per run by the migrations (``alembic upgrade head``):

* SQLite: a migrated template file, copied for every test.
* PostgreSQL (``CASECLOCK_TEST_DATABASE_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
  a fresh schema named after this run, dropped at the end, and for every test an outer
  transaction that is rolled back, so parallel and repeated runs never collide. A run killed
  before its end leaves its schema behind; the next run drops it (``_drop_stale_schemas``).
  When the server is unreachable the PostgreSQL tests skip, unless ``CI`` is set: then they
  fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from caseclock.clock import FixedClock
from caseclock.store import migrate
from caseclock.store.database import SessionFactory, make_engine, make_session_factory
from tests.compiled_core import pytest_sessionstart  # noqa: F401 (refuses a stale compiled core)

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA_PREFIX = "cc_test_"  # then the run's pid and a random suffix
SCHEMA_LOCKS = 0x63637473  # advisory lock space of the runs' schemas (with hashtext(name))
BACKENDS = ("sqlite", "postgresql")
# A Monday, 10:00 in New York: inside business hours of the test calendars.
T0 = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Database:
    """One migrated database for one test: its URL, engine and unit-of-work factory."""

    backend: str
    url: str
    engine: Engine
    session_factory: SessionFactory


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "caseclock.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _pg_url() -> str:
    """The test server's URL, with a connect timeout so an unreachable host fails fast."""
    url = make_url(os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG_URL))
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": "5"})
    return url.render_as_string(hide_password=False)


def _unreachable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required on CI but unreachable: {reason}")
    pytest.skip(f"PostgreSQL unreachable ({reason}); set CASECLOCK_TEST_DATABASE_URL")


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


def _drop_stale_schemas(connection: Connection) -> list[str]:
    """Drop the schemas that runs killed before their teardown left behind; return them.

    A run holds an advisory lock on its schema for as long as it lives (the server releases
    it when the run's connection goes, however the run ended). A schema is stale when nobody
    holds its lock and the process its name carries is gone.
    """
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


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A migrated schema of its own on the test server, dropped after the run; stale schemas
    of earlier runs that were killed are dropped first."""
    base_url = _pg_url()
    admin = make_engine(base_url)
    schema = f"{SCHEMA_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        owner = admin.connect()  # holds the schema's lock for the whole run
    except OperationalError as exc:
        admin.dispose()
        _unreachable(str(exc.orig).splitlines()[0] if exc.orig else str(exc))
    owner.execute(
        text("SELECT pg_advisory_lock(:space, hashtext(:name))"),
        {"space": SCHEMA_LOCKS, "name": schema},
    )
    owner.commit()
    with admin.begin() as connection:
        _drop_stale_schemas(connection)
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    schema_url = url.render_as_string(hide_password=False)
    engine = make_engine(schema_url)
    try:
        migrate.upgrade(engine)
        yield schema_url
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        owner.close()
        admin.dispose()


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    return str(request.param)


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database on ``backend`` for this test only."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "caseclock.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            yield Database(backend, url, engine, make_session_factory(engine))
        finally:
            engine.dispose()
        return
    url = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    connection: Connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )
    try:
        yield Database(backend, url, engine, factory)
    finally:
        outer.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)
