"""The worker sleeps until the next due instant and wakes early when an earlier timer appears:
an in-process signal (any backend) and LISTEN/NOTIFY (PostgreSQL, across processes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from caseclock.clock import FixedClock
from caseclock.services.wakeup import CHANNEL, CHANNEL_SQL
from caseclock.store.database import SessionFactory
from caseclock.worker.listen import Wakeup
from caseclock.worker.loop import Iteration, Worker, run_in_thread
from tests.conftest import T0
from tests.worker.firing_setup import created, minutes, prepare, send, settings_for
from tests.worker.processes import wait_for

WAIT = 10.0  # seconds: far below the worker's idle sleep, far above a wake-up's latency


@pytest.fixture
def wakeup() -> Iterator[Wakeup]:
    alarm = Wakeup()
    try:
        yield alarm
    finally:
        alarm.stop()


def test_an_iteration_says_when_the_next_timer_is_due(
    committed_db: tuple[str, SessionFactory], client: httpx.Client
) -> None:
    """After firing nothing, the loop knows the earliest due instant: the warning at 45m."""
    url, factory = committed_db
    prepare(factory, T0)
    send(factory, T0, created("C-1", T0))
    worker = Worker(factory, settings_for(url), http=client)
    try:
        assert worker.run_once(T0 + minutes(10)).next_due == T0 + minutes(45)
    finally:
        worker.close()


def test_a_sleeping_worker_wakes_when_ingestion_schedules_an_earlier_timer(
    committed_db: tuple[str, SessionFactory], client: httpx.Client, wakeup: Wakeup
) -> None:
    """A worker idle for a minute fires, within seconds, a timer that an event just made due."""
    url, factory = committed_db
    prepare(factory, T0)
    settings = settings_for(url, worker_idle_seconds=60)
    worker = Worker(factory, settings, http=client)
    wakeup.listen(url)
    idle, fired = threading.Event(), threading.Event()

    def seen(iteration: Iteration) -> None:
        (fired if iteration.fired else idle).set()

    clock = FixedClock(T0 + minutes(50))
    thread = threading.Thread(
        target=worker.run, args=(clock, wakeup), kwargs={"on_iteration": seen}
    )
    thread.start()
    try:
        assert idle.wait(WAIT), "the worker never finished its first iteration"
        send(factory, clock.now(), created("C-2", T0))  # its warning (T0+45m) is already due
        assert fired.wait(WAIT), "the worker was not woken"
    finally:
        wakeup.stop()
        thread.join(WAIT)
        worker.close()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_ingestion_notifies_listeners_in_other_processes(
    committed_db: tuple[str, SessionFactory],
) -> None:
    """Committing an event that makes a timer due sends a NOTIFY on the schema's channel."""
    url, factory = committed_db
    prepare(factory, T0)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as listener:
        found = listener.execute(sql.SQL(f"SELECT {CHANNEL_SQL}")).fetchone()
        assert found is not None
        channel = str(found[0])
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        send(factory, T0 + minutes(45), created("C-3", T0))  # a timer due now
        heard = list(listener.notifies(timeout=WAIT, stop_after=1))
    assert [n.channel for n in heard] == [channel]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_notify_from_another_connection_wakes_the_worker(
    committed_db: tuple[str, SessionFactory], wakeup: Wakeup
) -> None:
    """The wake-up listens on its own connection: a NOTIFY sent elsewhere in its schema is heard
    and ends its wait; one sent in another schema of the same database (another installation,
    or another test run: NOTIFY is database-wide) is not. The foreign one commits first, and
    notifications arrive in commit order, so counting one once ours is heard shows it."""
    url, factory = committed_db
    wakeup.listen(url)
    wait_for(lambda: wakeup.channel is not None, "the listener to listen", WAIT)
    assert wakeup.channel is not None
    assert wakeup.channel.startswith(f"{CHANNEL}_")  # a throwaway schema, not public
    wakeup.clear()
    assert wakeup.notifications == 0
    with factory() as session:
        session.execute(text("SET LOCAL search_path TO public"))
        session.execute(text(f"SELECT pg_notify({CHANNEL_SQL}, '')"))  # public's channel
        session.commit()
    with factory() as session:
        session.execute(text(f"SELECT pg_notify({CHANNEL_SQL}, '')"))
        session.commit()
    assert wakeup.wait(WAIT)
    wait_for(lambda: wakeup.notifications >= 1, "the NOTIFY to be counted", WAIT)
    assert wakeup.notifications == 1


def test_stopping_ends_the_run_loop(
    committed_db: tuple[str, SessionFactory], client: httpx.Client, wakeup: Wakeup
) -> None:
    """stop() wakes an idle worker, which returns from run()."""
    url, factory = committed_db
    worker = Worker(factory, settings_for(url, worker_idle_seconds=60), http=client)
    thread = run_in_thread(worker, FixedClock(T0), wakeup)
    wakeup.stop()
    thread.join(WAIT)
    worker.close()
    assert not thread.is_alive()
