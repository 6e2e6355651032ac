"""Database and app fixtures: the same store and API tests on SQLite and on PostgreSQL.

Each backend's schema is built once per run by the migrations (``alembic upgrade head``):

* SQLite: a migrated template file, copied for every test.
* PostgreSQL (``CASECLOCK_TEST_DATABASE_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``):
  a throwaway schema for this run (``tests.pg_schemas``), dropped at the end, and for every
  test an outer transaction that is rolled back, so parallel and repeated runs never collide.
  When the server is unreachable the PostgreSQL tests skip, unless ``CI`` is set: then they
  fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import sessionmaker

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.core.provenance import Provenance, Source
from caseclock.services.passwords import PasswordPolicy
from caseclock.store import migrate
from caseclock.store.database import SessionFactory, make_engine, make_session_factory
from tests.compiled_core import pytest_sessionstart  # noqa: F401 (refuses a stale compiled core)
from tests.pg_schemas import ServerUnreachable, server_url, throwaway_schema

BACKENDS = ("sqlite", "postgresql")
# A Monday, 10:00 in New York: inside business hours of the test calendars.
T0 = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
HELPDESK = Provenance(Source.API, "service:helpdesk")  # events as a helpdesk sync sends them
# Argon2id as cheap as it goes, for tests that make people (the defaults take ~0.5 s a hash)
FAST_PASSWORDS = PasswordPolicy(time_cost=1, memory_kib=1024, parallelism=1)


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


def _unreachable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required on CI but unreachable: {reason}")
    pytest.skip(f"PostgreSQL unreachable ({reason}); set CASECLOCK_TEST_DATABASE_URL")


@contextmanager
def pg_schema(*, migrated: bool = True) -> Iterator[str]:
    """A throwaway migrated (or empty) schema on the test server (``tests.pg_schemas``);
    skips, or fails on CI, when the server is unreachable."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_schema(server_url(), migrated=migrated))
        except ServerUnreachable as exc:
            _unreachable(str(exc))
        yield url


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A migrated schema of its own on the test server for the whole run, dropped after it."""
    with pg_schema() as url:
        yield url


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


@contextmanager
def app_client(db: Database, clock: FixedClock, settings: Settings) -> Iterator[TestClient]:
    """The real app (API and console) over ``db`` at ``clock``'s instant, started and stopped
    around the block, through a test client."""
    app = create_app(settings, clock=clock, engine=db.engine, session_factory=db.session_factory)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def app_settings(db: Database) -> Settings:
    """The settings the test app runs with (a folder may override this fixture)."""
    return Settings(database_url=db.url)


def with_fast_passwords(settings: Settings) -> Settings:
    """``settings`` hashing passwords as ``FAST_PASSWORDS`` does (the app reads its policy
    from them)."""
    return settings.model_copy(
        update={
            "password_time_cost": FAST_PASSWORDS.time_cost,
            "password_memory_kib": FAST_PASSWORDS.memory_kib,
            "password_parallelism": FAST_PASSWORDS.parallelism,
        }
    )


@pytest.fixture
def fast_password_settings(app_settings: Settings) -> Settings:
    """The folder's app settings with cheap password hashing, for tests that make people."""
    return with_fast_passwords(app_settings)


@pytest.fixture
def client(db: Database, clock: FixedClock, app_settings: Settings) -> Iterator[TestClient]:
    """A test client of the real app over the test database, at the fixed clock."""
    with app_client(db, clock, app_settings) as test_client:
        yield test_client
