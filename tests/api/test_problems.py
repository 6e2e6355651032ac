"""Problem details for malformed requests: broken JSON, wrong methods, bad query values."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from caseclock.api import routers
from caseclock.api.strict_json import StrictJsonRoute
from tests.api.conftest import Api


def test_broken_json_names_the_body(admin: Api) -> None:
    """A body that is not JSON answers 422 with path 'body' and where it broke."""
    response = admin.client.post(
        "/api/v1/accounts",
        content=b'{"id": "a", "name": ',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert error["path"] == "body"
    assert error["message"].startswith("invalid JSON at character 20")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1E999"])
def test_nan_and_infinity_are_not_json(admin: Api, number: str) -> None:
    """Python's JSON reader takes NaN and the infinities, and turns 1e400 into one; the API
    does not, anywhere in a body (they used to be stored as text PostgreSQL refuses: a 500
    after the fact)."""
    body = (
        '{"id": "a1", "name": "NaN Corp", "tier": "Gold", "region": "US", '
        f'"start_date": "2026-01-01", "fields": {{"score": {number}}}}}'
    )
    response = admin.client.post(
        "/api/v1/accounts",
        content=body.encode(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["path"] == "body"
    at = body.index(number, body.index('"score"'))
    assert error["message"] == (f"invalid JSON at character {at}: {number} is not a JSON number")
    assert admin.get("/api/v1/accounts/a1").status_code == 404


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32-le"])
def test_json_in_any_of_its_encodings_is_read(admin: Api, encoding: str) -> None:
    """JSON may come with a byte order mark or in UTF-16/32 (RFC 8259 lets a reader take
    them); the strict reader takes what Python's reader took."""
    body = (
        '{"id": "a1", "name": "Ünïcode GmbH", "tier": "Gold", "region": "US", '
        '"start_date": "2026-01-01", "fields": {"score": 1.5}}'
    )
    response = admin.client.post(
        "/api/v1/accounts",
        content=body.encode(encoding),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert admin.get("/api/v1/accounts/a1").json()["name"] == "Ünïcode GmbH"


def test_every_api_route_reads_strict_json() -> None:
    """No API route reads its body with Python's lenient reader."""
    modules = [
        importlib.import_module(f"caseclock.api.routers.{info.name}")
        for info in pkgutil.iter_modules(routers.__path__)
    ]
    routes = [route for module in modules for route in module.router.routes]
    assert "/events" in {getattr(route, "path", None) for route in routes}
    assert [route for route in routes if not isinstance(route, StrictJsonRoute)] == []


def test_wrong_method_is_a_405_problem(admin: Api) -> None:
    """A method a path does not serve answers 405 as problem details."""
    response = admin.client.delete("/api/v1/accounts/a", headers=admin.headers)
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_unknown_state_names_the_query_parameter(admin: Api) -> None:
    """An unknown milestone state is refused naming query.state."""
    response = admin.get("/api/v1/milestones", params={"state": "bogus"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "query.state[0]"


def test_events_body_must_be_events(agent: Api) -> None:
    """A list of non-objects is not a batch: one clear error, nothing stored."""
    response = agent.post("/api/v1/events", json=[1, 2])
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body"
