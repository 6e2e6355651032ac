"""Sending beside firing: a receiver that hangs delays no timer and holds only its own lane;
a failing one trips its breaker; leases run from the send instant and are renewed in flight."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from caseclock.channels.backoff import RetryPolicy
from caseclock.channels.outcome import DeliveryOutcome
from caseclock.channels.signing import TIMESTAMP_HEADER
from caseclock.clock import FixedClock
from caseclock.document_files import load_bundle
from caseclock.services import outbox
from caseclock.services.policy import apply_bundle
from caseclock.store.database import SessionFactory
from caseclock.store.models import DeliveryRow
from caseclock.worker.listen import Wakeup
from caseclock.worker.loop import Iteration, Worker
from tests.conftest import T0
from tests.worker.firing_setup import (
    created,
    fire_only,
    minutes,
    prepare,
    register_local,
    send,
    settings_for,
)
from tests.worker.processes import wait_for
from tests.worker.servers import Receiver, Reply, SmtpSink, start_receiver, stop_receiver

WAIT = 10.0  # seconds: far above what any step here takes, below the receivers' 10 s hang
AT = T0 + minutes(50)  # every warning of a record created at T0 is due
TWO_ENDPOINTS = Path(__file__).parent / "two_endpoints.yaml"


@pytest.fixture
def stuck() -> Iterator[Receiver]:
    """A second receiver, for the endpoint that misbehaves."""
    server, thread = start_receiver()
    try:
        yield server
    finally:
        stop_receiver(server, thread)


def _two_endpoints(factory: SessionFactory, ops: Receiver, stuck: Receiver, records: int) -> None:
    with factory() as session:
        apply_bundle(session, load_bundle(TWO_ENDPOINTS), now=T0)
        register_local(session, "ops", "webhook", ops.url, T0)
        register_local(session, "stuck", "webhook", stuck.url, T0)
        session.commit()
    send(factory, T0, *(created(f"C-{n}", T0) for n in range(records)))


def _deliveries(factory: SessionFactory, endpoint: str) -> list[DeliveryRow]:
    with factory() as session:
        query = select(DeliveryRow).where(DeliveryRow.endpoint == endpoint)
        return list(session.scalars(query.order_by(DeliveryRow.id)).all())


def _running(
    worker: Worker, clock: FixedClock, wakeup: Wakeup, seen: Callable[[Iteration], None] | None
) -> threading.Thread:
    thread = threading.Thread(
        target=worker.run, args=(clock, wakeup), kwargs={"on_iteration": seen}
    )
    thread.start()
    return thread


def test_timers_fire_while_a_receiver_hangs(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """A running worker whose webhook hangs fires a newly due timer at once: firing never
    waits for a send (it used to wait for the whole batch of sends)."""
    url, factory = committed_db
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    receiver.script(Reply(hang=True))
    settings = settings_for(url, smtp_sink[1], worker_idle_seconds=60)
    worker = Worker(factory, settings, http=client)
    wakeup, fired = Wakeup(), threading.Event()

    def seen(iteration: Iteration) -> None:
        if any(f.record_id == "C-2" for f in iteration.fired):
            fired.set()

    clock = FixedClock(AT)
    thread = _running(worker, clock, wakeup, seen)
    try:
        wait_for(lambda: receiver.holding == 1, "the webhook to hang", timeout=WAIT)
        wait_for(lambda: _states(factory, "email") == ["delivered"], "the email", timeout=WAIT)
        send(factory, AT, created("C-2", T0))  # its warning is due already
        assert fired.wait(WAIT), "the new timer did not fire"
        assert receiver.holding == 1, "firing waited for the hanging send"
    finally:
        receiver.release.set()
        wakeup.stop()
        thread.join(WAIT * 3)
        worker.close()


def test_a_hanging_endpoint_holds_only_its_own_lane(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    stuck: Receiver,
    client: httpx.Client,
) -> None:
    """Five warnings each post to a hanging endpoint and a healthy one: the hanging one gets
    at most its two sends at once, the healthy one gets all five meanwhile."""
    url, factory = committed_db
    _two_endpoints(factory, receiver, stuck, 5)
    stuck.default = Reply(hang=True)
    settings = settings_for(url, delivery_threads=3, delivery_per_endpoint=2)
    worker = Worker(factory, settings, http=client)
    wakeup = Wakeup()
    thread = _running(worker, FixedClock(AT), wakeup, None)
    try:
        wait_for(lambda: len(receiver.received) == 5, "the healthy endpoint's five", WAIT)
        assert stuck.holding == 2
    finally:
        stuck.release.set()
        wakeup.stop()
        thread.join(WAIT * 3)
        worker.close()
    assert stuck.most_at_once == 2


def test_a_failing_endpoint_trips_its_breaker_and_is_probed_after_the_cooldown(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    stuck: Receiver,
    client: httpx.Client,
) -> None:
    """After three 503s in a row the breaker opens: the other three deliveries to that endpoint
    wait untried while the healthy endpoint gets all six; after the 30 s cooldown one probe
    goes out, fails, and the breaker opens again."""
    url, factory = committed_db
    _two_endpoints(factory, receiver, stuck, 6)
    stuck.default = Reply(503, headers=(("Retry-After", "3600"),))
    settings = settings_for(
        url, delivery_per_endpoint=1, delivery_breaker_failures=3, delivery_breaker_seconds=30
    )
    worker = Worker(factory, settings, http=client)
    try:
        worker.run_once(AT)
        assert (len(stuck.received), len(receiver.received)) == (3, 6)
        assert [row.attempts for row in _deliveries(factory, "stuck")] == [1, 1, 1, 0, 0, 0]
        worker.run_once(AT + timedelta(seconds=29))
        assert len(stuck.received) == 3
        worker.run_once(AT + timedelta(seconds=30))
        assert len(stuck.received) == 4
        worker.run_once(AT + timedelta(seconds=61))
        assert len(stuck.received) == 4  # reopened for twice as long: 60 s
    finally:
        worker.close()
    assert [row.state for row in _deliveries(factory, "ops")] == ["delivered"] * 6


def _states(factory: SessionFactory, channel: str) -> list[str]:
    with factory() as session:
        query = select(DeliveryRow.state).where(DeliveryRow.channel == channel)
        return list(session.scalars(query).all())


def _lease_end(factory: SessionFactory) -> datetime | None:
    [row] = _deliveries(factory, "ops")
    return row.next_attempt_at


def test_lease_and_signature_run_from_the_send_instant_and_the_lease_is_renewed(
    committed_db: tuple[str, SessionFactory], receiver: Receiver, client: httpx.Client
) -> None:
    """A delivery sent seven minutes after its firing is signed at the send instant and leased
    for a minute from it; while the receiver holds it, the lease is pushed on as time passes."""
    url, factory = committed_db
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    settings = settings_for(url, delivery_lease_seconds=60)
    fire_only(factory, settings, AT)
    receiver.script(Reply(hang=True))
    worker = Worker(factory, settings, http=client)
    sent_at = AT + minutes(7)
    clock = FixedClock(sent_at)
    thread = threading.Thread(target=worker.sender.drain, args=(clock,))
    thread.start()
    try:
        wait_for(lambda: receiver.holding == 1, "the webhook to hang", timeout=WAIT)
        [request] = receiver.received
        assert request.headers[TIMESTAMP_HEADER] == str(int(sent_at.timestamp()))
        assert _lease_end(factory) == sent_at + timedelta(seconds=60)
        clock.advance(timedelta(seconds=30))  # past a third of the lease
        worker.sender.wake()
        renewed = sent_at + timedelta(seconds=90)
        wait_for(lambda: _lease_end(factory) == renewed, "the lease to be renewed", WAIT)
    finally:
        receiver.release.set()
        thread.join(WAIT * 3)
        worker.close()


def test_an_attempt_whose_lease_lapsed_changes_nothing(
    committed_db: tuple[str, SessionFactory], receiver: Receiver
) -> None:
    """A worker whose lease lapsed (another claimed the delivery again) can neither renew it
    nor settle it: the attempt number is the lease's token."""
    url, factory = committed_db
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, created("C-1", T0))
    fire_only(factory, settings_for(url), AT)
    lease = timedelta(seconds=60)
    with factory() as session:
        [first] = outbox.claim(session, now=AT, limit=1, lease=lease, skip_email=True)
        session.commit()
    later = AT + timedelta(seconds=61)
    with factory() as session:
        [second] = outbox.claim(session, now=later, limit=1, lease=lease, skip_email=True)
        session.commit()
    assert (first.id, first.attempt, second.attempt) == (second.id, 1, 2)
    with factory() as session:
        outbox.renew(session, [(first.id, first.attempt)], until=later + minutes(10))
        done = DeliveryOutcome.delivered("HTTP 200", 200)
        outbox.settle(
            session,
            [outbox.Attempt(first.id, first.attempt, done, later)],
            policy=RetryPolicy(),
            rng=random.Random(0),
        )
        session.commit()
    [row] = _deliveries(factory, "ops")
    assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 2, later + lease)
