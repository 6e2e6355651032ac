"""Crash safety with real processes: a worker killed with SIGKILL in the middle of firing loses
no action and applies no effect twice; a restarted worker finishes the work."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from caseclock.store.database import SessionFactory
from caseclock.store.models import DeliveryRow, EventRow, FiringRow
from tests.conftest import T0
from tests.worker.firing_setup import count, created, minutes, prepare, send
from tests.worker.processes import (
    holding_worker_command,
    run_worker,
    wait_for,
    worker_command,
    worker_env,
)
from tests.worker.servers import Receiver, Reply, SmtpSink

pytestmark = pytest.mark.slow


def _kill_when(process: subprocess.Popen[str], condition: object, what: str) -> None:
    assert callable(condition)
    try:
        wait_for(lambda: condition() or process.poll() is not None, what)
        assert process.poll() is None, process.communicate()[1]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)  # reaps it and closes its pipes


def _notes(factory: SessionFactory) -> list[str]:
    with factory() as session:
        rows = session.scalars(select(EventRow).where(EventRow.type == "note")).all()
        return [row.event_id for row in rows]


def test_killed_before_commit_then_restarted_fires_everything_once(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    tmp_path: Path,
) -> None:
    """SIGKILL after the effects are written but before commit leaves no trace; the next worker
    fires the warning once: one note, one webhook, one email; a third run changes nothing."""
    url, factory = committed_db
    sink, smtp_port = smtp_sink
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    at = T0 + minutes(50)
    marker = tmp_path / "holding"
    process = subprocess.Popen(  # noqa: S603 - our own command line
        holding_worker_command(marker, at),
        env=worker_env(url, smtp_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _kill_when(process, marker.exists, "the worker to hold its firing transaction")
    with factory() as session:
        assert count(session, FiringRow.id) == 0
        assert count(session, DeliveryRow.id) == 0
    assert _notes(factory) == []
    assert receiver.received == []
    run_worker(url, at, smtp_port)
    run_worker(url, at + minutes(1), smtp_port)
    with factory() as session:
        assert session.scalars(select(FiringRow.trigger)).all() == ["warning"]
        states = session.scalars(select(DeliveryRow.state)).all()
    assert sorted(states) == ["delivered", "delivered"]
    assert len(_notes(factory)) == 1
    assert len(receiver.received) == 1
    assert len(sink.envelopes) == 1


def test_killed_while_delivering_redelivers_with_the_same_key(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    """A worker killed while a receiver stalls on its webhook: the firing stays committed, the
    delivery goes out again after its lease with the same Idempotency-Key, and the note of the
    firing is not written twice."""
    url, factory = committed_db
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-2", T0))
    receiver.script(Reply(hang=True))
    at = T0 + minutes(50)
    process = subprocess.Popen(  # noqa: S603 - our own command line
        worker_command(at),
        env=worker_env(url, smtp_sink[1]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _kill_when(process, lambda: len(receiver.received) == 1, "the webhook to reach the receiver")
    receiver.release.set()
    run_worker(url, at + minutes(3), smtp_sink[1])  # after the delivery's one-minute lease
    first, second = receiver.received
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.body == second.body
    with factory() as session:
        assert session.scalars(select(DeliveryRow.state)).all().count("delivered") == 2
        assert count(session, FiringRow.id) == 1
    assert len(_notes(factory)) == 1
