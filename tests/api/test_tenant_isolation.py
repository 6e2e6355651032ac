"""A key limited to accounts is a wall: it never grants more than it has, installation-wide
admin endpoints refuse it, its records stay within its accounts, and other accounts' record and
event ids answer exactly as ids that do not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import POLICY, Api, make_key
from tests.conftest import T0, Database


def created(record: str, account: str) -> dict[str, Any]:
    return {
        "id": f"{record}:created",
        "record": record,
        "type": "created",
        "at": T0.isoformat(),
        "data": {"account": account, "tier": "Gold", "status": "New"},
    }


def comment(record: str, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "record": record,
        "type": "comment",
        "at": (T0 + timedelta(minutes=1)).isoformat(),
        "data": {"public": True, "author_role": "agent"},
    }


def move(record: str, account: str | None) -> dict[str, Any]:
    return {
        "id": f"move-{account}",
        "record": record,
        "type": "field",
        "at": (T0 + timedelta(minutes=2)).isoformat(),
        "data": {"field": "account", "value": account},
    }


def scoped(client: TestClient, db: Database, clock: FixedClock, role: str, *accounts: str) -> Api:
    return Api(client, make_key(db, clock, role, accounts=list(accounts)))


@pytest.fixture
def acme_admin(client: TestClient, db: Database, clock: FixedClock) -> Api:
    return scoped(client, db, clock, "admin", "acme", "initech")


# --- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accounts", [None, ["globex"], ["acme", "globex"]], ids=["unscoped", "other", "wider"]
)
def test_a_scoped_admin_cannot_grant_more_than_it_has(
    acme_admin: Api, admin: Api, accounts: list[str] | None
) -> None:
    """A scoped admin key asking for an unscoped key, or one over accounts outside its own,
    gets 403 and no key is made."""
    before = len(admin.get("/api/v1/apikeys").json())
    response = acme_admin.post("/api/v1/apikeys", json={"role": "agent", "accounts": accounts})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert len(admin.get("/api/v1/apikeys").json()) == before


def test_a_scoped_admin_makes_keys_within_its_accounts(acme_admin: Api) -> None:
    """A scoped admin may make keys limited to some of its accounts; they work within them."""
    response = acme_admin.post("/api/v1/apikeys", json={"role": "admin", "accounts": ["acme"]})
    assert response.status_code == 201, response.text
    assert response.json()["accounts"] == ["acme"]


def test_a_scoped_admin_lists_only_keys_within_its_accounts(
    acme_admin: Api, admin: Api, client: TestClient, db: Database, clock: FixedClock
) -> None:
    """GET /apikeys for a scoped admin lists the keys limited to its accounts, not the
    unscoped keys nor other accounts' keys; an unscoped admin lists them all."""
    scoped(client, db, clock, "viewer", "globex")
    scoped(client, db, clock, "viewer", "acme")
    seen = acme_admin.get("/api/v1/apikeys").json()
    assert sorted(tuple(k["accounts"]) for k in seen) == [("acme",), ("acme", "initech")]
    every = [tuple(k["accounts"] or ()) for k in admin.get("/api/v1/apikeys").json()]
    assert {(), ("globex",), ("acme",), ("acme", "initech")} <= set(every)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/deliveries", None),
        ("post", "/api/v1/deliveries/1/retry", None),
        ("get", "/api/v1/endpoints", None),
        (
            "post",
            "/api/v1/endpoints",
            {"name": "ops", "kind": "webhook", "url": "http://x.test", "secret": "s" * 32},
        ),
        ("post", "/api/v1/calendars", {"name": "c", "timezone": "UTC", "always_open": True}),
    ],
)
def test_installation_wide_admin_endpoints_refuse_scoped_keys(
    acme_admin: Api, method: str, url: str, body: dict[str, Any] | None
) -> None:
    """The outbox, endpoints and calendars span every account: a scoped admin gets 403."""
    call = getattr(acme_admin, method)
    response = call(url, json=body) if body is not None else call(url)
    assert response.status_code == 403, response.text
    assert "sees every account" in response.json()["detail"]


def test_a_scoped_admin_cannot_apply_policy(acme_admin: Api, admin: Api) -> None:
    """POST /policy changes every account's processes: a scoped admin gets 403, nothing is
    applied."""
    headers = {**acme_admin.headers, "Content-Type": "application/yaml"}
    response = acme_admin.client.post("/api/v1/policy", content=POLICY, headers=headers)
    assert response.status_code == 403, response.text
    assert admin.get("/api/v1/processes").json() == []


# --- moving records between accounts -------------------------------------------------------------


@pytest.fixture
def records(agent: Api, policy_applied: dict[str, Any], clock: FixedClock) -> Api:
    """C-1 in acme, C-2 in globex (with a stored comment 'secret-event'); the clock 10 min on."""
    batch = [created("C-1", "acme"), created("C-2", "globex"), comment("C-2", "secret-event")]
    assert agent.post("/api/v1/events", json=batch).json()["accepted"] == 3
    clock.set(T0 + timedelta(minutes=10))
    return agent


@pytest.mark.parametrize("target", ["globex", None], ids=["other-account", "no-account"])
def test_a_scoped_agent_cannot_move_a_record_out_of_its_accounts(
    records: Api, client: TestClient, db: Database, clock: FixedClock, target: str | None
) -> None:
    """A field event setting ``account`` outside the key's accounts (or clearing it) answers
    422 naming data.value; the record stays in its account."""
    acme = scoped(client, db, clock, "agent", "acme", "initech")
    response = acme.post("/api/v1/events", json=move("C-1", target))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["path"] == "data.value"
    assert records.get("/api/v1/records/C-1").json()["account"] == "acme"


def test_a_move_within_scope_is_kept_as_an_event(
    records: Api, client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Within the key's accounts the move is accepted and the timeline keeps it (the audit)."""
    acme = scoped(client, db, clock, "agent", "acme", "initech")
    assert acme.post("/api/v1/events", json=move("C-1", "initech")).status_code == 200
    assert acme.get("/api/v1/records/C-1").json()["account"] == "initech"
    kept = acme.get("/api/v1/records/C-1/events").json()[-1]
    assert (kept["type"], kept["data"]) == ("field", {"field": "account", "value": "initech"})


# --- ids of other accounts -----------------------------------------------------------------------


def _answer(response: Any, record: str) -> tuple[int, Any]:
    """A response with the record id written out of it, to compare two answers."""
    return response.status_code, response.text.replace(record, "<record>")


def test_another_accounts_record_and_event_ids_answer_as_unknown_ones(
    records: Api, client: TestClient, db: Database, clock: FixedClock
) -> None:
    """For a scoped agent, an event on another account's record, even one repeating a stored
    event id, answers exactly as an event on a record that does not exist: 404, same text."""
    acme = scoped(client, db, clock, "agent", "acme")
    for event_id in ("secret-event", "new-event"):
        other = acme.post("/api/v1/events", json=comment("C-2", event_id))
        missing = acme.post("/api/v1/events", json=comment("C-404", event_id))
        assert _answer(other, "C-2") == _answer(missing, "C-404")
        assert other.status_code == 404
    batch = acme.post(
        "/api/v1/events", json=[comment("C-2", "secret-event"), comment("C-404", "secret-event")]
    ).json()["results"]
    assert batch[0]["status"] == batch[1]["status"] == "rejected"
    assert batch[0]["errors"][0].replace("C-2", "X") == batch[1]["errors"][0].replace("C-404", "X")
    assert len(records.get("/api/v1/records/C-2/events").json()) == 2


def test_reading_another_accounts_record_answers_as_a_missing_one(
    records: Api, client: TestClient, db: Database, clock: FixedClock
) -> None:
    """GET on another account's record, its events or milestones: the 404 of a missing id."""
    acme = scoped(client, db, clock, "viewer", "acme")
    for suffix in ("", "/events", "/milestones"):
        other = acme.get(f"/api/v1/records/C-2{suffix}")
        missing = acme.get(f"/api/v1/records/C-404{suffix}")
        assert other.status_code == 404
        assert _answer(other, "C-2") == _answer(missing, "C-404")
