"""Several worker processes on one PostgreSQL: every due timer fires exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseclock.core.policy import parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.database import SessionFactory
from caseclock.store.models import DeliveryRow, EventRow, FiringRow
from tests.conftest import HELPDESK, T0
from tests.worker.firing_setup import created, minutes, prepare, register_local, send
from tests.worker.processes import START_TIMEOUT, wait_for, worker_command, worker_env
from tests.worker.servers import Receiver, Reply, SmtpSink

pytestmark = [pytest.mark.slow]
LOAD_POLICY = Path(__file__).parent / "load_policy.yaml"
RECORDS = 2_500  # four milestones each: 10,000 timers
TIMERS = 4 * RECORDS
BATCH = 500


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: SQLite runs one worker."""
    return "postgresql"


def _load(factory: SessionFactory, hook: str | None) -> None:
    """The load policy and 2,500 records; without ``hook`` each warning adds a note instead of
    posting a webhook (an internal effect, applied in the firing transaction)."""
    text = LOAD_POLICY.read_text(encoding="utf-8")
    if hook is None:
        text = text.replace("{type: webhook, endpoint: ops}", "{type: add_note, body: warned}")
    with factory() as session:
        apply_bundle(session, parse_bundle(text), now=T0)
        if hook is not None:
            register_local(session, "ops", "webhook", hook, T0)
        session.commit()
    for start in range(0, RECORDS, BATCH):
        with factory() as session:
            events = [created(f"L-{n:05d}", T0) for n in range(start, start + BATCH)]
            ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=T0)
            session.commit()


@pytest.mark.postgres
def test_three_workers_fire_ten_thousand_timers_exactly_once(
    committed_db: tuple[str, SessionFactory],
) -> None:
    """Three `caseclock worker` processes share 10,000 due warnings: the ledger holds each
    once, each warning's note is on its record's timeline once, all three workers took part."""
    url, factory = committed_db
    _load(factory, None)
    at = T0 + minutes(61)  # every warning is due, no violation yet
    processes = [
        subprocess.Popen(  # noqa: S603 - our own command line
            worker_command(at),
            env={**worker_env(url, 25), "CASECLOCK_WORKER_BATCH": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=START_TIMEOUT * 3) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err for _, err in outputs]
    fired_per_worker = [int(out.split()[1]) for out, _ in outputs]
    with factory() as session:
        ledger = session.scalar(select(func.count(FiringRow.id)))
        notes = session.scalars(select(EventRow.event_id).where(EventRow.type == "note")).all()
    assert sum(fired_per_worker) == TIMERS
    assert all(n > 0 for n in fired_per_worker), fired_per_worker
    assert ledger == TIMERS
    assert len(notes) == len(set(notes)) == TIMERS


@pytest.mark.postgres
def test_two_running_workers_never_send_a_delivery_twice_while_it_is_in_flight(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    """Two `caseclock worker` processes on the system clock, leases of 3 s and a receiver that
    takes 8 s to answer: each lease is renewed while its send is in flight, so every webhook
    reaches the receiver once and every delivery is settled after one attempt."""
    url, factory = committed_db
    now = datetime.now(UTC)
    start = now - minutes(50)  # the warnings fell due five minutes ago
    prepare(factory, start, hook=receiver.url)
    send(factory, now, *(created(f"S-{n}", start) for n in range(6)))
    receiver.default = Reply(delay=8.0)
    env = worker_env(url, smtp_sink[1], delivery_lease_seconds="3")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "caseclock.cli", "worker", "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        wait_for(lambda: _settled(factory) == 12, "all twelve deliveries to be settled")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        errors = [process.communicate(timeout=START_TIMEOUT)[1] for process in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    keys = [request.headers["Idempotency-Key"] for request in receiver.received]
    assert len(keys) == len(set(keys)) == 6
    with factory() as session:
        attempts = session.scalars(select(DeliveryRow.attempts)).all()
    assert attempts == [1] * 12


def _settled(factory: SessionFactory) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count(DeliveryRow.id)).where(DeliveryRow.state == "delivered")
            )
            or 0
        )


@pytest.mark.postgres
def test_a_firing_worker_and_a_sending_worker_split_the_work(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    """`caseclock worker --only firing` fires and sends nothing; `--only sending`, started
    after the firing, learns of the new deliveries (NOTIFY at the firing's commit, or its
    first look) and sends every one once; SIGTERM ends both cleanly."""
    url, factory = committed_db
    now = datetime.now(UTC)
    start = now - minutes(50)  # the warnings fell due five minutes ago
    prepare(factory, start, hook=receiver.url)
    send(factory, now, *(created(f"P-{n}", start) for n in range(4)))
    env = worker_env(url, smtp_sink[1])

    def started(role: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "caseclock.cli", "worker", "--quiet", "--only", role],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    processes = [started("firing")]
    try:
        wait_for(lambda: _pending(factory) == 8, "the four firings' eight deliveries")
        assert receiver.received == []  # the firing worker sends nothing
        processes.append(started("sending"))
        wait_for(lambda: _settled(factory) == 8, "the sending worker to send them all")
        send(factory, datetime.now(UTC), created("P-9", start))  # fired, then sent at once
        wait_for(lambda: _settled(factory) == 10, "the next firing's deliveries")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        errors = [process.communicate(timeout=START_TIMEOUT)[1] for process in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    keys = [request.headers["Idempotency-Key"] for request in receiver.received]
    assert len(keys) == len(set(keys)) == 5


def _pending(factory: SessionFactory) -> int:
    with factory() as session:
        return (
            session.scalar(select(func.count(DeliveryRow.id)).where(DeliveryRow.state == "pending"))
            or 0
        )
