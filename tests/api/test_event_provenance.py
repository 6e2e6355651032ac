"""Every event the API stores keeps where it came from and who sent it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.services.access import create_key
from tests.api.conftest import Api
from tests.api.people_fixtures import person
from tests.api.test_records_events import comment, created
from tests.conftest import Database


def service_key(db: Database, clock: FixedClock, name: str) -> str:
    with db.session_factory() as session:
        made = create_key(session, role="agent", name=name, accounts=None, now=clock.now())
        session.commit()
        return made.secret


def test_events_name_the_key_owner_that_sent_them(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An event sent with a user's key is the API's, by that user's handle; one sent with a
    service account's key, by ``service:NAME``; both through ``POST /records`` and
    ``POST /events``, and ``GET /records/{id}/events`` says so."""
    ana = person(people_client, db, clock, "ana", "agent")
    sync = Api(people_client, service_key(db, clock, "zendesk-sync"))
    made = ana.api.post("/api/v1/records", json={"id": "C-1", "account": "acme", "status": "New"})
    assert made.status_code == 201, made.text
    sent = sync.post("/api/v1/events", json=comment("C-1", "zd-2", 0))
    assert sent.status_code == 200, sent.text
    events = ana.api.get("/api/v1/records/C-1/events").json()
    assert [(e["id"], e["source"], e["actor"]) for e in events] == [
        ("C-1:created", "api", "ana"),
        ("zd-2", "api", "service:zendesk-sync"),
    ]


def test_a_sender_cannot_claim_a_source(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Provenance is the server's to set: an event that carries its own ``source`` or
    ``actor`` is refused (422) and nothing is stored."""
    sync = Api(people_client, service_key(db, clock, "zendesk-sync"))
    for claimed in ({"source": "worker"}, {"actor": "ana"}):
        response = sync.post("/api/v1/events", json={**created(), **claimed})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert sync.get("/api/v1/records/C-1").status_code == 404


def test_helpdesk_ids_starting_like_caseclocks_are_the_senders(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An id that starts with ``cc-`` (caseclock's own ids do) is still the sender's event:
    nothing about an event's origin is read from its id."""
    sync = Api(people_client, service_key(db, clock, "zendesk-sync"))
    assert sync.post("/api/v1/events", json=created()).status_code == 200
    assert sync.post("/api/v1/events", json=comment("C-1", "cc-77", 0)).status_code == 200
    events = sync.get("/api/v1/records/C-1/events").json()
    assert events[-1]["id"] == "cc-77"
    assert (events[-1]["source"], events[-1]["actor"]) == ("api", "service:zendesk-sync")
