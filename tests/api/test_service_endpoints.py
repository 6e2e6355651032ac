"""Liveness, readiness, docs, and problem details for the errors no router raises."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def test_health_needs_no_key(client: TestClient) -> None:
    """/health answers ok without an API key."""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_migrated(client: TestClient) -> None:
    """/ready says ready on a database at the newest migration."""
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_docs_and_openapi(client: TestClient) -> None:
    """/docs serves the interactive docs and /openapi.json documents the event envelope."""
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/api/v1/events" in schema["paths"]
    assert "Event" in schema["components"]["schemas"]


def test_root_is_the_console(client: TestClient) -> None:
    """/ is the web console: without a session it leads to the sign-in page."""
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_missing_key_is_a_401_problem(client: TestClient) -> None:
    """An API call without a key answers 401 problem details with a Bearer challenge."""
    response = client.get("/api/v1/records")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401
    assert body["instance"] == "/api/v1/records"


def test_unknown_key_is_a_401_problem(client: TestClient) -> None:
    """A key that was never issued is refused."""
    response = client.get("/api/v1/records", headers={"Authorization": "Bearer cc_nope_nope"})
    assert response.status_code == 401
    assert "unknown" in response.json()["detail"]


def test_unknown_route_is_a_404_problem(admin: Api) -> None:
    """A path no router serves answers 404 as problem details."""
    response = admin.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "GET /api/v1/nothing-here" in response.json()["detail"]


def test_query_validation_is_a_422_problem_with_path(admin: Api) -> None:
    """FastAPI's own validation errors become problem details naming the parameter."""
    response = admin.get("/api/v1/records", params={"limit": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["path"] == "query.limit"


def test_viewer_cannot_write(viewer: Api) -> None:
    """A viewer key reads but gets 403 on writes."""
    response = viewer.post("/api/v1/accounts", json={"id": "a", "name": "A"})
    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"


def test_admin_creates_keys_and_secrets_are_not_listed(admin: Api) -> None:
    """An admin makes a scoped agent key; the list shows it without its secret, under any
    field name and in any form (the whole secret, or the part after its prefix)."""
    made = admin.post("/api/v1/apikeys", json={"role": "agent", "accounts": ["acme"]})
    assert made.status_code == 201
    secret = made.json()["key"]
    assert secret.startswith("cc_")
    listing = admin.get("/api/v1/apikeys")
    assert any(k["accounts"] == ["acme"] for k in listing.json())
    assert secret.removeprefix("cc_") not in listing.text
