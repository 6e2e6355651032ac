"""``/api/v1/endpoints`` and ``/api/v1/deliveries`` through the real app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.services.access import create_key
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database, app_client
from tests.worker.firing_setup import created, minutes, prepare, send, settings_for
from tests.worker.servers import Receiver, Reply


@pytest.fixture
def api(db: Database, clock: FixedClock, app_settings: Settings) -> Iterator[TestClient]:
    """The test app (this folder's ``client`` is an HTTP client for the receivers)."""
    with app_client(db, clock, app_settings) as test_client:
        yield test_client


def _key(db: Database, role: str) -> dict[str, str]:
    with db.session_factory() as session:
        made = create_key(session, role=role, name=None, accounts=None, now=T0)
        session.commit()
    return {"Authorization": f"Bearer {made.secret}"}


def test_endpoints_are_admin_only_and_never_show_their_secret(
    api: TestClient, db: Database
) -> None:
    """An admin registers and lists endpoints; the secret never comes back; agents get 403."""
    admin, agent = _key(db, "admin"), _key(db, "agent")
    body = {
        "name": "ops",
        "kind": "webhook",
        "url": "https://ops.example.com/hook",
        "secret": "whsec_0123456789abcdef",
    }
    assert api.post("/api/v1/endpoints", json=body, headers=agent).status_code == 403
    made = api.post("/api/v1/endpoints", json=body, headers=admin)
    again = api.post("/api/v1/endpoints", json=body, headers=admin)
    listed = api.get("/api/v1/endpoints", headers=admin)
    assert (made.status_code, again.status_code) == (201, 200)
    assert listed.json()[0]["has_secret"] is True
    assert "whsec" not in made.text + listed.text


def test_a_webhook_endpoint_needs_a_secret(api: TestClient, db: Database) -> None:
    """Registering a webhook without a signing secret is a 422 naming the field."""
    response = api.post(
        "/api/v1/endpoints",
        json={"name": "ops", "kind": "webhook", "url": "https://ops.example.com/hook"},
        headers=_key(db, "admin"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "secret"


def test_dead_letters_are_listed_and_retried(
    api: TestClient, db: Database, receiver: Receiver, client: httpx.Client
) -> None:
    """A 4xx dead-letters a delivery at once; it shows under ?state=failed, and a retry
    sends it again with the same key."""
    admin = _key(db, "admin")
    prepare(db.session_factory, T0, hook=receiver.url)
    send(db.session_factory, T0, created("C-9", T0))
    receiver.script(Reply(410))
    worker = Worker(db.session_factory, settings_for(db.url), http=client)
    try:
        worker.run_once(T0 + minutes(45))
        [failed] = api.get("/api/v1/deliveries?state=failed", headers=admin).json()
        assert (failed["channel"], failed["last_code"], failed["attempts"]) == ("webhook", 410, 1)
        retried = api.post(f"/api/v1/deliveries/{failed['id']}/retry", headers=admin)
        assert retried.json()["state"] == "pending"
        worker.run_once(T0 + minutes(46))
    finally:
        worker.close()
    assert api.get("/api/v1/deliveries?state=failed", headers=admin).json() == []
    keys = [r.headers["Idempotency-Key"] for r in receiver.received]
    assert keys == [failed["key"], failed["key"]]
    assert api.post(f"/api/v1/deliveries/{failed['id']}/retry", headers=admin).status_code == 409
