"""Accounts, automatic entitlements, manual entitlements and account scopes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api, make_key
from tests.conftest import T0, Database

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


def _record(agent: Api, record: str) -> dict[str, Any]:
    event = {
        "id": f"{record}-created",
        "record": record,
        "type": "created",
        "at": T0.isoformat(),
        "data": {"account": "acme", "priority": "P2", "status": "New"},
    }
    assert agent.post("/api/v1/events", json=[event]).json()["accepted"] == 1
    body: dict[str, Any] = agent.get(f"/api/v1/records/{record}").json()
    return body


def test_a_new_tier_moves_the_automatic_entitlement_to_its_process(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Changing a Gold account to Standard closes its automatic gold entitlement the day
    before and opens a standard one that day: new records run on standard, while a record
    already open keeps the gold process version it started with."""
    agent.post("/api/v1/accounts", json=ACME)
    before = _record(agent, "C-1")
    assert before["process"]["key"] == "gold"
    response = agent.patch("/api/v1/accounts/acme", json={"tier": "Standard"})
    assert response.status_code == 200, response.text
    listed = agent.get("/api/v1/accounts/acme/entitlements").json()
    assert [(e["process"], e["source"], e["valid_from"], e["valid_to"]) for e in listed] == [
        ("gold", "automatic", "2025-06-01", "2026-03-08"),
        ("standard", "automatic", "2026-03-09", None),
    ]
    assert agent.get("/api/v1/records/C-1").json()["process"] == before["process"]
    assert _record(agent, "C-2")["process"]["key"] == "standard"


def test_a_change_that_keeps_the_process_keeps_the_entitlement(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """A change the rules map to the same process (here, a rename) leaves the automatic
    entitlement as it is."""
    agent.post("/api/v1/accounts", json=ACME)
    agent.patch("/api/v1/accounts/acme", json={"name": "Acme Inc"})
    listed = agent.get("/api/v1/accounts/acme/entitlements").json()
    assert [(e["process"], e["valid_to"]) for e in listed] == [("gold", None)]


def test_a_new_tier_leaves_manual_entitlements_alone(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """A tier change closes the automatic entitlement but leaves a manual one exactly as it
    was, and opens no automatic one beside it: records follow the manual choice."""
    agent.post("/api/v1/accounts", json=ACME)
    manual = agent.post(
        "/api/v1/entitlements",
        json={"account": "acme", "process": "standard", "valid_from": "2026-01-01"},
    ).json()
    agent.patch("/api/v1/accounts/acme", json={"tier": "Platinum"})
    automatic, kept = agent.get("/api/v1/accounts/acme/entitlements").json()
    assert (automatic["process"], automatic["valid_to"]) == ("gold", "2026-03-08")
    assert kept == manual
    assert _record(agent, "C-1")["process"]["key"] == "standard"
