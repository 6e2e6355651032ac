"""API keys: owners, at most the owner's rights, revocation, expiry, last use."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api
from tests.api.people_fixtures import person
from tests.conftest import Database


def test_revoked_key_is_refused_at_the_next_request(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """DELETE /apikeys/{id} revokes a key: the next request with it answers 401; revoking
    again is harmless; an unknown id is 404."""
    admin = person(people_client, db, clock, "root", "admin").api
    made = admin.post("/api/v1/apikeys", json={"role": "viewer", "service_account": "bi"})
    assert made.status_code == 201, made.text
    key = made.json()
    assert key["service_account"] == "bi"
    assert key["user"] is None
    other = Api(people_client, key["key"])
    assert other.get("/api/v1/accounts").status_code == 200
    assert admin.delete(f"/api/v1/apikeys/{key['id']}").status_code == 204
    refused = other.get("/api/v1/accounts")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert admin.delete(f"/api/v1/apikeys/{key['id']}").status_code == 204
    assert admin.delete("/api/v1/apikeys/999999").status_code == 404


def test_deactivated_users_keys_are_refused(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Deactivating a user revokes their keys: their next request answers 401, and the user
    shows as inactive."""
    admin = person(people_client, db, clock, "root", "admin").api
    ana = person(people_client, db, clock, "ana", "agent").api
    assert ana.get("/api/v1/accounts").status_code == 200
    done = admin.post("/api/v1/users/ana/deactivate")
    assert done.status_code == 200
    assert done.json()["active"] is False
    assert ana.get("/api/v1/accounts").status_code == 401
    keys = admin.get("/api/v1/apikeys").json()
    assert all(k["revoked"] for k in keys if k["user"] == done.json()["id"])


def test_key_never_exceeds_its_owner(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An agent cannot make themselves an admin key (422); a key made before the owner was
    lowered to viewer now reads only (403 on writes)."""
    admin = person(people_client, db, clock, "root", "admin").api
    ana = person(people_client, db, clock, "ana", "agent").api
    too_much = ana.post("/api/v1/apikeys", json={"role": "admin"})
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["path"] == "role"
    assert ana.post("/api/v1/accounts", json={"id": "ACME", "name": "Acme"}).status_code == 201
    assert admin.patch("/api/v1/users/ana", json={"role": "viewer"}).status_code == 200
    assert ana.post("/api/v1/accounts", json={"id": "BETA", "name": "Beta"}).status_code == 403
    assert ana.get("/api/v1/accounts/ACME").status_code == 200


def test_scoped_users_key_sees_only_the_users_accounts(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A user scoped to ACME, with a key made without a scope, sees ACME only: another
    account is 404 and lists leave it out; asking for a key on BETA is refused."""
    admin = person(people_client, db, clock, "root", "admin").api
    for account in ("ACME", "BETA"):
        assert (
            admin.post("/api/v1/accounts", json={"id": account, "name": account}).status_code == 201
        )
    ana = person(people_client, db, clock, "ana", "agent", accounts=["ACME"]).api
    assert ana.get("/api/v1/accounts/BETA").status_code == 404
    assert [a["id"] for a in ana.get("/api/v1/accounts").json()] == ["ACME"]
    refused = ana.post("/api/v1/apikeys", json={"role": "agent", "accounts": ["BETA"]})
    assert refused.status_code == 422
    own = ana.post("/api/v1/apikeys", json={"role": "viewer"})
    assert own.json()["accounts"] == ["ACME"]


def test_people_list_and_revoke_only_their_own_keys(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An agent lists their own keys only, and another person's key is 404 to them (its
    existence does not leak)."""
    admin = person(people_client, db, clock, "root", "admin").api
    ana = person(people_client, db, clock, "ana", "agent").api
    person(people_client, db, clock, "ben", "agent")
    ben_key = admin.post("/api/v1/apikeys", json={"role": "agent", "user": "ben"}).json()
    listed = ana.get("/api/v1/apikeys").json()
    assert len(listed) == 1
    assert ben_key["id"] not in {k["id"] for k in listed}
    assert ana.delete(f"/api/v1/apikeys/{ben_key['id']}").status_code == 404
    for_ben = ana.post("/api/v1/apikeys", json={"role": "viewer", "user": "ben"})
    assert for_ben.status_code == 403


def test_expired_key_is_refused_and_last_use_is_noted(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A key past its expiry answers 401 saying so; a key's last use is recorded to the
    minute; an expiry in the past is refused when the key is made."""
    admin = person(people_client, db, clock, "root", "admin").api
    expires = (clock.now() + timedelta(hours=1)).isoformat()
    made = admin.post(
        "/api/v1/apikeys", json={"role": "viewer", "service_account": "bi", "expires_at": expires}
    ).json()
    short = Api(people_client, made["key"])
    assert short.get("/api/v1/accounts").status_code == 200
    listed = {k["id"]: k for k in admin.get("/api/v1/apikeys").json()}
    assert listed[made["id"]]["last_used_at"] is not None
    clock.advance(timedelta(hours=2))
    expired = short.get("/api/v1/accounts")
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    refused = admin.post("/api/v1/apikeys", json={"role": "viewer", "expires_at": past})
    assert refused.status_code == 422
