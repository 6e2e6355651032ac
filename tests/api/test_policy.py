"""Calendars, policy bundles and process versions through the API."""

from __future__ import annotations

from typing import Any

from caseclock.core.policy import parse_bundle
from tests.api.conftest import POLICY, Api

CALENDAR = {
    "name": "apac",
    "timezone": "Asia/Ho_Chi_Minh",
    "week": {"mon": [["08:00", "12:00"], ["13:00", "17:30"]]},
}


def test_calendar_round_trip(admin: Api, viewer: Api) -> None:
    """A posted calendar reads back as the document a person wrote."""
    response = admin.post("/api/v1/calendars", json=CALENDAR)
    assert response.status_code == 201, response.text
    stored = viewer.get("/api/v1/calendars/apac").json()["document"]
    assert stored["week"] == CALENDAR["week"]
    assert [c["name"] for c in viewer.get("/api/v1/calendars").json()] == ["apac"]


def test_calendar_conflict_and_idempotent_retry(admin: Api) -> None:
    """The same calendar again is fine; other hours under the same name are a 409."""
    admin.post("/api/v1/calendars", json=CALENDAR)
    assert admin.post("/api/v1/calendars", json=CALENDAR).status_code == 201
    other = {**CALENDAR, "week": {"tue": [["09:00", "17:00"]]}}
    assert admin.post("/api/v1/calendars", json=other).status_code == 409


def test_bad_calendar_names_the_path(admin: Api) -> None:
    """An unknown time zone answers 422 naming the timezone field."""
    response = admin.post("/api/v1/calendars", json={**CALENDAR, "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "timezone"


def test_agent_cannot_change_policy(agent: Api) -> None:
    """Policy and calendars are admin work."""
    assert agent.post("/api/v1/calendars", json=CALENDAR).status_code == 403


def test_policy_applies_once(admin: Api, policy_applied: dict[str, Any]) -> None:
    """Applying the same bundle twice creates no new versions."""
    assert all(p["created"] for p in policy_applied["processes"])
    again = admin.client.post(
        "/api/v1/policy",
        content=POLICY,
        headers={**admin.headers, "Content-Type": "application/yaml"},
    ).json()
    assert not any(p["created"] for p in again["processes"])
    keys = [p["key"] for p in admin.get("/api/v1/processes").json()]
    assert keys == sorted(parse_bundle(POLICY).processes)


def test_invalid_bundle_changes_nothing(admin: Api) -> None:
    """A bundle with an error answers 422 with the path and stores nothing at all."""
    broken = POLICY.replace("target: 4h", "target: 4 hours")
    response = admin.client.post("/api/v1/policy", content=broken, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"].startswith("processes.gold.milestones[0]")
    assert admin.get("/api/v1/processes").json() == []
    assert admin.get("/api/v1/calendars").json() == []


def test_process_versions(admin: Api, policy_applied: dict[str, Any]) -> None:
    """GET /processes/{key} gives the newest version, ?version= an older one, 404 if none."""
    assert admin.get("/api/v1/processes/gold").json()["versions"] == [1]
    assert admin.get("/api/v1/processes/gold", params={"version": 1}).status_code == 200
    assert admin.get("/api/v1/processes/gold", params={"version": 9}).status_code == 404
