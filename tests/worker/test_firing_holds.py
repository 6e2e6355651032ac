"""A record whose firing keeps raising is retried, then held with its error, and never stops
the other records' timers: real `caseclock worker --once` processes, the API over the same
database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Update, select, update

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services import audit
from caseclock.services.access import create_key
from caseclock.store.database import SessionFactory
from caseclock.store.models import FiringHoldRow, FiringRow, MilestoneRow
from tests.conftest import T0
from tests.worker.firing_setup import created, minutes, prepare, send
from tests.worker.processes import run_worker
from tests.worker.servers import Receiver, SmtpSink

AT = T0 + minutes(50)  # every record's warning (T0+45m) is due
POISON = "bogus"  # a stored milestone state that is none: reading the milestone raises


@pytest.fixture
def api(committed_db: tuple[str, SessionFactory]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app over the committed database, and an admin's headers."""
    url, factory = committed_db
    with factory() as session:
        made = create_key(session, role="admin", name=None, accounts=None, now=T0)
        session.commit()
    app = create_app(Settings(database_url=url), clock=FixedClock(AT), session_factory=factory)
    with TestClient(app) as test_client:
        yield test_client, {"Authorization": f"Bearer {made.secret}"}


def _state_of_c2(state: str) -> Update:
    return update(MilestoneRow).where(MilestoneRow.record_id == "C-2").values(state=state)


def _fired(factory: SessionFactory) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(FiringRow.record_id)).all())


def _hold(factory: SessionFactory) -> FiringHoldRow | None:
    with factory() as session:
        return session.get(FiringHoldRow, "C-2")


def _run(url: str, at: datetime, smtp: tuple[SmtpSink, int]) -> str:
    return run_worker(url, at, smtp[1], worker_firing_attempts="2").stdout


def test_a_record_whose_firing_keeps_failing_is_held_and_the_others_fire(
    committed_db: tuple[str, SessionFactory],
    receiver: Receiver,
    smtp_sink: tuple[SmtpSink, int],
    api: tuple[TestClient, dict[str, str]],
) -> None:
    """Three records fall due; C-2's stored milestone state breaks its firing. The worker fires C-1
    and C-3 (the batch used to fail whole, at every pass), counts C-2's failure and retries it
    after a backoff; at the second failure (CASECLOCK_WORKER_FIRING_ATTEMPTS=2) C-2 is held,
    listed by the API with the error, and later passes leave it alone. Once the data is
    mended and an admin releases it (audited), the next pass fires it and the hold is gone."""
    url, factory = committed_db
    prepare(factory, T0, hook=receiver.url)
    send(factory, T0, *(created(f"C-{n}", T0) for n in (1, 2, 3)))
    with factory() as session:
        session.execute(_state_of_c2(POISON))
        session.commit()
    client, admin = api

    assert _run(url, AT, smtp_sink).startswith("fired 2 ")
    assert _fired(factory) == ["C-1", "C-3"]
    first = _hold(factory)
    assert first is not None
    assert (first.failures, first.retry_at, first.held_at) == (1, AT + minutes(1) / 60, None)
    assert first.error == "ValueError: 'bogus' is not a valid MilestoneState"
    [retrying] = client.get("/api/v1/firings/held", headers=admin).json()
    assert (retrying["record"], retrying["state"]) == ("C-2", "retrying")

    assert _run(url, AT + minutes(1), smtp_sink).endswith("held 1\n")
    [held] = client.get("/api/v1/firings/held", headers=admin).json()
    assert (held["state"], held["failures"], held["retry_at"]) == ("held", 2, None)
    assert held["error"] == first.error
    _run(url, AT + minutes(2), smtp_sink)
    still = _hold(factory)
    assert still is not None
    assert still.failures == 2  # held: not tried again
    assert _fired(factory) == ["C-1", "C-3"]

    with factory() as session:
        session.execute(_state_of_c2("running"))
        session.commit()
    released = client.post("/api/v1/firings/held/C-2/release", headers=admin)
    assert released.status_code == 204
    assert client.post("/api/v1/firings/held/C-2/release", headers=admin).status_code == 404
    with factory() as session:
        [entry] = audit.entries(session, kind=audit.Kind.FIRING.value)
    assert (entry.target, entry.action, entry.details["state"], entry.details["failures"]) == (
        "C-2",
        "release",
        "held",
        2,
    )
    assert _run(url, AT + minutes(3), smtp_sink).startswith("fired 1 (1 late)")
    assert _fired(factory) == ["C-1", "C-2", "C-3"]
    assert _hold(factory) is None
    assert client.get("/api/v1/firings/held", headers=admin).json() == []


def test_firing_holds_are_for_admins(api: tuple[TestClient, dict[str, str]]) -> None:
    """Without an admin key the list is refused (401), like the dead letters."""
    client, _ = api
    assert client.get("/api/v1/firings/held").status_code == 401
