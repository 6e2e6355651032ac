"""A migration started through the API, interrupted for real: the server is killed while a
batch waits, and a new server resumes it; every record ends on exactly one version, none
moved twice, none skipped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from caseclock.core.policy import parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.database import make_engine, make_session_factory
from caseclock.store.models import AuditRow, MilestoneRow, PolicyMigrationRow, RecordRow
from tests.conftest import HELPDESK, pg_schema
from tests.served import CLI, run_cli
from tests.services.policy_setup import BUNDLE, event
from tests.worker.processes import wait_for

RECORDS = [f"M-{n:02}" for n in range(12)]
SHORTER = BUNDLE.replace("target: 4h", "target: 2h")


@contextmanager
def _serving(url: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``caseclock serve`` on ``url``, as a process of its own; yields its port and process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [*CLI, "serve", "--port", str(port)],
        env={**os.environ, "CASECLOCK_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _answers(port), "the server to answer")
        yield port, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.postgres
def test_an_api_migration_killed_midway_resumes_with_one_version_each() -> None:
    """Twelve open records moved one per batch through ``POST /policy?migrate=open``; a
    lock held on the seventh stops the migration there, and the server is killed (SIGKILL).
    Six records are on version 2 with their rows evaluated on it, six still wholly on
    version 1. A new server's ``POST /policy/migration/resume`` moves the six others; the
    trail says twelve moved, once."""
    now = datetime.now(UTC)  # the served process reads the system clock
    with pg_schema() as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        try:
            with factory() as session:
                apply_bundle(session, parse_bundle(BUNDLE), now=now - timedelta(days=30))
                created = [
                    event(r, f"{r}-c", "created", now - timedelta(minutes=30 + n))
                    for n, r in enumerate(RECORDS)
                ]
                ingest(session, created, principal=SYSTEM, provenance=HELPDESK, now=now)
                session.commit()
            key = run_cli(url, "apikey", "create", "--role", "admin").stdout.strip()
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/yaml"}
            blocker = engine.connect()
            blocking = blocker.begin()
            blocker.execute(text("SELECT id FROM records WHERE id = 'M-06' FOR UPDATE"))
            with _serving(url) as (port, server):

                def apply() -> None:
                    with suppress(httpx.HTTPError):  # the server is killed under it
                        httpx.post(
                            f"http://127.0.0.1:{port}/api/v1/policy?migrate=open&batch_size=1",
                            content=SHORTER,
                            headers=headers,
                            timeout=300,
                        )

                caller = threading.Thread(target=apply)
                caller.start()

                def stopped_at_the_lock() -> bool:
                    with factory() as session:
                        row = session.scalars(select(PolicyMigrationRow)).one_or_none()
                        return row is not None and row.cursor == "M-05"

                wait_for(stopped_at_the_lock, "six batches to commit")
                server.send_signal(signal.SIGKILL)
                server.wait(timeout=30)
                caller.join(timeout=30)
            blocking.rollback()
            blocker.close()
            with factory() as session:
                migration = session.scalars(select(PolicyMigrationRow)).one()
                assert (migration.moved, migration.finished_at) == (6, None)
                assert _versions(session) == {r: 2 if r < "M-06" else 1 for r in RECORDS}
                assert _targets(session) == {r: 2 if r < "M-06" else 4 for r in RECORDS}
            with _serving(url) as (port, _server):
                resumed = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/policy/migration/resume",
                    headers=headers,
                    timeout=120,
                )
                assert resumed.status_code == 200, resumed.text
                assert (resumed.json()["finished"], resumed.json()["moved"]) == (True, 12)
            with factory() as session:
                assert _versions(session) == dict.fromkeys(RECORDS, 2)
                assert _targets(session) == dict.fromkeys(RECORDS, 2)
                ended = session.scalars(select(AuditRow).where(AuditRow.action == "migrated"))
                assert [row.details["moved"] for row in ended] == [12]
        finally:
            engine.dispose()


def _versions(session: Session) -> dict[str, int | None]:
    rows = session.execute(select(RecordRow.id, RecordRow.process_version)).all()
    return {str(record_id): version for record_id, version in rows}


def _targets(session: Session) -> dict[str, float]:
    """Each record's first-response target in hours, as its stored row has it."""
    rows = session.execute(
        select(MilestoneRow.record_id, MilestoneRow.target_seconds).where(
            MilestoneRow.key == "first_response"
        )
    ).all()
    return {record_id: (seconds or 0) / 3600 for record_id, seconds in rows}
