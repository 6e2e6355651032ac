"""Database trouble that is not the caller's fault: conflicts are retried, absence is a 503.

These run the real app over a real PostgreSQL schema whose transactions really commit (not the
rolled-back outer transaction of the other API tests), with concurrent clients.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services.access import create_key
from caseclock.store.database import make_engine, make_session_factory
from tests.conftest import T0

PROBLEM = "application/problem+json"


@pytest.fixture
def served(pg_schema_url: str) -> Iterator[tuple[TestClient, Engine, dict[str, str], str]]:
    """The app on the run's PostgreSQL schema, an agent key, and a prefix for this test's
    record ids (their rows are deleted afterwards)."""
    engine = make_engine(pg_schema_url, pool_size=10)
    factory = make_session_factory(engine)
    with factory() as session:
        made = create_key(session, role="agent", name=None, accounts=None, now=T0)
        key, key_id = made.secret, made.row.id
        session.commit()
    prefix = f"T{uuid.uuid4().hex[:8]}-"
    app = create_app(Settings(database_url=pg_schema_url), clock=FixedClock(T0), engine=engine)
    try:
        with TestClient(app) as client:
            yield client, engine, {"Authorization": f"Bearer {key}"}, prefix
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("DELETE FROM records WHERE id LIKE :prefix"), {"prefix": f"{prefix}%"}
            )
            # the schema is shared by the run: a key left behind shows in other tests' lists
            connection.execute(text("DELETE FROM api_keys WHERE id = :id"), {"id": key_id})
        engine.dispose()


def created(record: str) -> dict[str, Any]:
    return {
        "id": f"{record}-created",
        "record": record,
        "type": "created",
        "at": T0.isoformat(),
        "data": {"status": "New"},
    }


def comment(record: str, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "record": record,
        "type": "comment",
        "at": T0.isoformat(),
        "data": {"public": True, "author_role": "agent"},
    }


@pytest.mark.postgres
def test_concurrent_batches_creating_the_same_records_in_any_order_all_succeed(
    served: tuple[TestClient, Engine, dict[str, str], str],
) -> None:
    """Eight clients post, at once, batches that create the same 40 new records, each batch
    listing them in its own order: every request answers 200 and each record is created once
    (no deadlock surfaces as a 500)."""
    client, engine, headers, prefix = served
    statuses: list[int] = []
    for round_ in range(3):
        records = [f"{prefix}{round_}-{n:02d}" for n in range(40)]
        batches = []
        for client_no in range(8):
            order = list(records)
            random.Random(round_ * 10 + client_no).shuffle(order)
            batches.append([created(record) for record in order])
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(
                pool.map(lambda b: client.post("/api/v1/events", json=b, headers=headers), batches)
            )
        statuses += [r.status_code for r in responses]
        outcomes = [
            sorted(result["status"] for result in r.json()["results"])
            for r in responses
            if r.status_code == 200
        ]
        accepted = sum(outcome.count("accepted") for outcome in outcomes)
        assert accepted == 40
    assert statuses == [200] * 24
    with engine.connect() as connection:
        stored = connection.scalar(
            text("SELECT count(*) FROM events WHERE record_id LIKE :p"), {"p": f"{prefix}%"}
        )
    assert stored == 3 * 40


class Posting:
    """A batch posted from another thread, so that the test can act while it waits."""

    def __init__(
        self, client: TestClient, engine: Engine, headers: dict[str, str], batch: list[Any]
    ) -> None:
        self.engine = engine
        self.results: dict[str, Any] = {}
        self.thread = threading.Thread(
            target=lambda: self.results.update(
                response=client.post("/api/v1/events", json=batch, headers=headers)
            )
        )
        self.thread.start()

    def wait_blocked_behind(self, other: Connection) -> None:
        """Return once the server reports a backend waiting on ``other``'s locks."""
        pid = other.scalar(text("SELECT pg_backend_pid()"))
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
        )
        while True:
            with self.engine.connect() as connection:
                if connection.scalar(query, {"pid": pid}):
                    return
            assert self.thread.is_alive()

    def response(self) -> Any:
        self.thread.join()
        return self.results["response"]


def _insert_record(connection: Connection, record_id: str) -> None:
    connection.execute(
        text(
            "INSERT INTO records (id, type, fields, is_closed, created_at, updated_at, "
            "received_at, event_count) VALUES (:id, 'case', '{}', false, :at, :at, :at, 0)"
        ),
        {"id": record_id, "at": T0},
    )


@pytest.mark.postgres
def test_a_batch_inserts_its_new_records_in_id_order(
    served: tuple[TestClient, Engine, dict[str, str], str], caplog: pytest.LogCaptureFixture
) -> None:
    """A batch inserts its new records in id order, whatever order it lists them in, so two
    transactions creating the same records wait for each other without a cycle.

    Another transaction has inserted the smaller id; the batch lists the larger first. Taken
    in id order, the batch waits on the smaller without holding the larger, so the other
    transaction inserts the larger at once and no deadlock is detected or retried."""
    client, engine, headers, prefix = served
    small, large = f"{prefix}a", f"{prefix}z"
    caplog.set_level(logging.INFO, logger="caseclock.api")
    with engine.connect() as other:
        other.execute(text("SET deadlock_timeout = '30s'"))
        _insert_record(other, small)
        posting = Posting(client, engine, headers, [created(large), created(small)])
        posting.wait_blocked_behind(other)
        _insert_record(other, large)
        other.commit()
    response = posting.response()
    assert response.status_code == 200, response.text
    assert "transient database conflict" not in caplog.text


@pytest.mark.postgres
def test_a_request_chosen_as_a_deadlock_victim_is_retried_transparently(
    served: tuple[TestClient, Engine, dict[str, str], str],
) -> None:
    """A batch that PostgreSQL aborts to break a deadlock is run again by the server: the
    client gets its 200 with every event accepted, as if nothing had happened.

    The deadlock is made, not hoped for: another transaction holds the second record, the
    batch locks the first and waits on the second, then that transaction asks for the first.
    It waits longer before checking for deadlocks, so the batch is the victim."""
    client, engine, headers, prefix = served
    first, second = f"{prefix}a", f"{prefix}b"
    answer = client.post("/api/v1/events", json=[created(first), created(second)], headers=headers)
    assert answer.status_code == 200
    batch = [comment(first, "c1"), comment(second, "c2")]
    with engine.connect() as other:
        other.execute(text("SET deadlock_timeout = '30s'"))
        other.execute(text("SELECT 1 FROM records WHERE id = :id FOR UPDATE"), {"id": second})
        posting = Posting(client, engine, headers, batch)
        posting.wait_blocked_behind(other)
        # Blocks until PostgreSQL aborts the batch's transaction, which releases the first.
        other.execute(text("SELECT 1 FROM records WHERE id = :id FOR UPDATE"), {"id": first})
        other.rollback()
    response = posting.response()
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "accepted"]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
        "sqlite:////nonexistent-caseclock-dir/caseclock.db",
    ],
    ids=["postgresql", "sqlite"],
)
def test_an_unreachable_database_answers_503_with_retry_after(url: str) -> None:
    """With the database unreachable, API calls answer 503 problem details with Retry-After
    (a state to wait out, not a 500 that reads like a bug), reads and writes alike."""
    assert not Path("/nonexistent-caseclock-dir").exists()
    app = create_app(Settings(database_url=url), clock=FixedClock(T0))
    headers = {"Authorization": "Bearer cc_some_key"}
    with TestClient(app) as client:
        responses = [
            client.get("/api/v1/records", headers=headers),
            client.post("/api/v1/events", json=[created("C-1")], headers=headers),
        ]
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == "5"
        assert response.json()["detail"] == "the database is unavailable; retry later"
    app.state.engine.dispose()
