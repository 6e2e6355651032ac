"""The audit trail: one row per change, in the change's transaction, filterable, append-only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from caseclock.clock import FixedClock
from caseclock.services import audit
from caseclock.services.teams import create_team
from caseclock.store.models import AuditRow, TeamRow
from tests.api.conftest import POLICY
from tests.api.people_fixtures import person
from tests.api.test_overrides import override
from tests.api.test_records_events import created
from tests.conftest import Database


def _trail(api: Any, **params: Any) -> list[tuple[str, str, str, str]]:
    items = api.get("/api/v1/audit", params=params).json()["items"]
    return [(i["actor"], i["kind"], i["target"], i["action"]) for i in reversed(items)]


def test_every_kind_of_change_leaves_a_row(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Policy, calendars, endpoints, users, teams, keys, entitlements and SLA overrides each
    leave a row naming who did it; reading records leaves none."""
    root = person(people_client, db, clock, "root", "admin").api
    applied = root.client.post(
        "/api/v1/policy",
        content=POLICY,
        headers={**root.headers, "Content-Type": "application/yaml"},
    )
    assert applied.status_code == 200
    root.post("/api/v1/calendars", json={"name": "always", "timezone": "UTC", "always_open": True})
    # A public host: loopback endpoints need CASECLOCK_ALLOW_PRIVATE_ENDPOINTS, which this app
    # leaves off. The endpoint is only registered, never called.
    registered = root.post(
        "/api/v1/endpoints",
        json={"name": "ops", "kind": "chat", "url": "https://chat.example.com/hooks/ops"},
    )
    assert registered.status_code == 201, registered.text
    root.post("/api/v1/users", json={"handle": "ana", "email": "ana@example.com", "role": "agent"})
    root.post("/api/v1/teams", json={"name": "L1", "members": ["ana"]})
    key = root.post("/api/v1/apikeys", json={"role": "viewer", "service_account": "bi"}).json()
    root.delete(f"/api/v1/apikeys/{key['id']}")
    root.post("/api/v1/accounts", json={"id": "ACME", "name": "Acme"})
    root.post("/api/v1/entitlements", json={"account": "ACME", "process": "gold"})
    assert root.post("/api/v1/events", json=created()).status_code == 200
    assert root.post("/api/v1/events", json=override("resolution")).status_code == 200
    root.get("/api/v1/records/C-1")
    trail = _trail(root, actor="root")
    kinds = {kind for _, kind, _, _ in trail}
    assert kinds == {
        "policy",
        "calendar",
        "endpoint",
        "user",
        "team",
        "key",
        "entitlement",
        "override",
    }
    assert ("root", "key", str(key["id"]), "revoke") in trail
    assert ("root", "team", "L1", "add_member") in trail
    assert ("root", "override", "C-1", "override") in trail
    assert _trail(root, kind="override") == [("root", "override", "C-1", "override")]


def test_filters_by_actor_kind_and_period_and_pages(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Rows filter by actor, kind and a half-open period, newest first, in pages that
    continue with ``before``; a non-admin gets 403."""
    root = person(people_client, db, clock, "root", "admin").api
    early = clock.now()
    for handle in ("a1", "a2", "a3"):
        root.post("/api/v1/users", json={"handle": handle, "email": f"{handle}@example.com"})
        clock.advance(timedelta(hours=1))
    page = root.get("/api/v1/audit", params={"kind": "user", "limit": 2}).json()
    assert [i["target"] for i in page["items"]] == ["a3", "a2"]
    rest = root.get(
        "/api/v1/audit", params={"kind": "user", "limit": 2, "before": page["next_before"]}
    ).json()
    assert [i["target"] for i in rest["items"]] == ["a1", "root"]
    assert rest["next_before"] is None
    window = {
        "since": (early + timedelta(minutes=30)).isoformat(),
        "until": (early + timedelta(hours=1, minutes=30)).isoformat(),
    }
    assert [t for _, _, t, _ in _trail(root, **window)] == ["a2"]
    assert _trail(root, actor="nobody") == []
    assert root.get("/api/v1/audit", params={"kind": "nonsense"}).status_code == 422
    viewer = person(people_client, db, clock, "vera", "viewer").api
    assert viewer.get("/api/v1/audit").status_code == 403


def test_rows_roll_back_with_their_change(db: Database, clock: FixedClock) -> None:
    """A change and its audit row share a transaction: rolling it back leaves neither, and
    committing keeps both."""
    with db.session_factory() as session:
        create_team(session, "L1", {}, actor="root", now=clock.now())
        session.rollback()
        assert session.query(TeamRow).count() == 0
        assert session.query(AuditRow).count() == 0
        create_team(session, "L2", {}, actor="root", now=clock.now())
        session.commit()
    with db.session_factory() as session:
        assert [r.target for r in audit.entries(session)] == ["L2"]


@pytest.mark.parametrize("statement", ["UPDATE audit SET actor = 'x'", "DELETE FROM audit"])
def test_trail_is_append_only(db: Database, clock: FixedClock, statement: str) -> None:
    """The database itself refuses to change or delete audit rows."""
    with db.session_factory() as session:
        create_team(session, "L1", {}, actor="root", now=clock.now())
        session.commit()
    with db.session_factory() as session:
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    with db.session_factory() as session:
        assert [r.actor for r in audit.entries(session)] == ["root"]
