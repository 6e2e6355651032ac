"""Accounts, automatic entitlements, manual entitlements and account scopes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api, make_key
from tests.conftest import Database

ACME = {
    "id": "acme",
    "name": "Acme Corp",
    "tier": "Gold",
    "region": "us-east",
    "start_date": "2025-06-01",
    "renewal_date": "2026-06-01",
}


def test_account_gets_the_process_its_tier_maps_to(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Creating a Gold account without an entitlement gives it the gold process."""
    response = agent.post("/api/v1/accounts", json=ACME)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["automatic_entitlement"]["process"] == "gold"
    assert body["automatic_entitlement"]["source"] == "automatic"
    listed = agent.get("/api/v1/accounts/acme/entitlements").json()
    assert [e["process"] for e in listed] == ["gold"]


def test_account_without_rules_has_no_entitlement(agent: Api) -> None:
    """With no policy applied there is nothing to map to, and no entitlement is made."""
    body = agent.post("/api/v1/accounts", json=ACME).json()
    assert body["automatic_entitlement"] is None


def test_duplicate_account_is_a_conflict(agent: Api) -> None:
    """The same account id twice answers 409 naming the id field."""
    agent.post("/api/v1/accounts", json=ACME)
    response = agent.post("/api/v1/accounts", json=ACME)
    assert response.status_code == 409
    assert response.json()["errors"] == [{"path": "id", "message": "account 'acme' already exists"}]


def test_unknown_field_is_refused_with_its_path(agent: Api) -> None:
    """An unknown field is an error naming it, never silently dropped."""
    response = agent.post("/api/v1/accounts", json={**ACME, "teir": "Gold"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "", "message": "unknown field 'teir'"}]


def test_bad_date_names_the_field(agent: Api) -> None:
    """A malformed date answers 422 with the field's path."""
    response = agent.post("/api/v1/accounts", json={**ACME, "renewal_date": "soon"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "renewal_date"


def test_patch_changes_only_given_fields(agent: Api) -> None:
    """PATCH updates the fields sent and keeps the others."""
    agent.post("/api/v1/accounts", json=ACME)
    response = agent.patch("/api/v1/accounts/acme", json={"tier": "Platinum"})
    assert response.status_code == 200
    assert response.json()["tier"] == "Platinum"
    assert response.json()["name"] == "Acme Corp"


def test_renewal_before_start_is_refused(agent: Api) -> None:
    """A renewal date before the start date is a validation error and changes nothing."""
    agent.post("/api/v1/accounts", json=ACME)
    response = agent.patch("/api/v1/accounts/acme", json={"renewal_date": "2020-01-01"})
    assert response.status_code == 422
    assert agent.get("/api/v1/accounts/acme").json()["renewal_date"] == "2026-06-01"


def test_manual_entitlement(agent: Api, policy_applied: dict[str, Any]) -> None:
    """A manual entitlement names a process and a validity window."""
    agent.post("/api/v1/accounts", json={**ACME, "tier": None})
    response = agent.post(
        "/api/v1/entitlements",
        json={"account": "acme", "process": "gold", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "manual"


def test_entitlement_for_unknown_process(agent: Api) -> None:
    """An entitlement to a process that does not exist names the process field."""
    agent.post("/api/v1/accounts", json=ACME)
    response = agent.post("/api/v1/entitlements", json={"account": "acme", "process": "nope"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "process"


def test_scoped_key_sees_only_its_accounts(
    agent: Api, client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A key scoped to one account gets 404, not 403, for another account."""
    agent.post("/api/v1/accounts", json=ACME)
    agent.post("/api/v1/accounts", json={**ACME, "id": "globex", "name": "Globex"})
    scoped = Api(client, make_key(db, clock, "viewer", accounts=["globex"]))
    assert scoped.get("/api/v1/accounts/globex").status_code == 200
    hidden = scoped.get("/api/v1/accounts/acme")
    assert hidden.status_code == 404
    assert [a["id"] for a in scoped.get("/api/v1/accounts").json()] == ["globex"]
