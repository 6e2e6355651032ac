"""Fixtures: real local servers and an httpx client, all closed when the test ends; databases
whose commits are real, for the tests that run worker processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from caseclock.channels.connections import delivery_client
from caseclock.store.database import SessionFactory, make_engine, make_session_factory
from caseclock.worker.loop import Worker
from tests.conftest import Database, pg_schema
from tests.mail import running_smtp
from tests.worker.firing_setup import settings_for
from tests.worker.servers import Receiver, SmtpSink, start_receiver, stop_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A scripted HTTP receiver on 127.0.0.1 (answers 200 unless scripted otherwise)."""
    server, thread = start_receiver()
    try:
        yield server
    finally:
        stop_receiver(server, thread)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """The worker's client (pinned connections, no proxy from the environment), allowing the
    loopback receivers."""
    with delivery_client(allow_private=True) as http:
        yield http


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    """An aiosmtpd server on 127.0.0.1 without STARTTLS; yields its handler and port."""
    with running_smtp() as running:
        yield running


@pytest.fixture
def worker(db: Database, client: httpx.Client, smtp_sink: tuple[SmtpSink, int]) -> Iterator[Worker]:
    """A worker over the test database, sending to the SMTP sink and through ``client``."""
    made = Worker(db.session_factory, settings_for(db.url, smtp_sink[1]), http=client)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def committed_db(
    backend: str, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[str, SessionFactory]]:
    """A migrated database whose commits are real, for tests with several processes: a SQLite
    file, or a PostgreSQL schema of its own (dropped afterwards). Yields its URL and sessions."""
    if backend == "sqlite":
        path = tmp_path / "caseclock.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            yield url, make_session_factory(engine)
        finally:
            engine.dispose()
        return
    with pg_schema() as url:
        engine = make_engine(url)
        try:
            yield url, make_session_factory(engine)
        finally:
            engine.dispose()
