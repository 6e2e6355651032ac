"""``POST /policy`` and ``POST /policy/preview``: what a bundle did with the rules, what it would
do to open records, migrations, and JSON bodies that repeat a key."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.api.conftest import POLICY, Api
from tests.conftest import T0

ACCOUNT_BUNDLE = """
calendars: [{name: utc, timezone: UTC, always_open: true}]
processes:
  life:
    name: Lifecycle
    calendar: utc
    milestones: [{key: intro, start: {on: created}, target: 30d}]
entitlement_rules:
  rules: [{when: {field: type, value: account}, process: life}]
"""


def _apply(admin: Api, text: str) -> Any:
    return admin.client.post(
        "/api/v1/policy",
        content=text,
        headers={**admin.headers, "Content-Type": "application/yaml"},
    )


def test_a_second_bundle_adds_its_rules_and_says_what_it_left(
    admin: Api, policy_applied: dict[str, Any]
) -> None:
    """The test bundle's default stays in force beside the account rule, and the answer and
    the audit trail say so."""
    assert policy_applied["warnings"] == []
    response = _apply(admin, ACCOUNT_BUNDLE)
    assert response.status_code == 200, response.text
    rules = response.json()["entitlement_rules"]
    assert rules["added"] == ['when {"field":"type","value":"account"} -> life']
    assert rules["replaced"] == []
    assert any(line.startswith("default -> ") for line in rules["left"])
    trail = admin.get("/api/v1/audit", params={"kind": "policy"}).json()["items"]
    assert any(row["target"] == "entitlement_rules" for row in trail)


def test_a_json_body_that_repeats_a_key_is_refused_with_its_path(admin: Api) -> None:
    """JSON's reader would keep the second ``name``; the API refuses the body and names it."""
    response = admin.client.post(
        "/api/v1/calendars",
        content=b'{"name": "a", "timezone": "UTC", "always_open": true, "name": "b"}',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "duplicate key 'name' in the top level" in response.json()["detail"]
    assert admin.get("/api/v1/calendars").json() == []


def _with_open_case(admin: Api, agent: Api) -> None:
    created = {
        "id": "C-1-created",
        "record": "C-1",
        "type": "created",
        "at": (T0 - timedelta(hours=1)).isoformat(),
        "data": {"tier": "Gold", "priority": "P2"},
    }
    assert agent.post("/api/v1/events", json=created).status_code in (200, 201)


SHORTER = POLICY.replace("target: 4h", "target: 30m", 1)


def _post(admin: Api, url: str, text: str, **headers: str) -> Any:
    return admin.client.post(
        url, content=text, headers={**admin.headers, "Content-Type": "application/yaml", **headers}
    )


def test_preview_answers_json_and_changes_nothing(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Gold's first response shortened to 30 minutes: the case opened an hour ago would be
    violated; previewing stores no new version."""
    _with_open_case(admin, agent)
    response = _post(admin, "/api/v1/policy/preview", SHORTER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["records"], body["earlier"], body["newly_violated"]) == (1, 1, 1)
    assert body["largest_moves"][0]["by_seconds"] == -3.5 * 3600
    gold = body["period"]["by_tier"][0]  # its new deadline falls in the period: violated
    assert (gold["label"], gold["before"]["violated"], gold["after"]["violated"]) == ("Gold", 0, 1)
    assert admin.get("/api/v1/processes/gold").json()["versions"] == [1]


def test_preview_streams_progress_then_the_summary(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    _with_open_case(admin, agent)
    response = _post(admin, "/api/v1/policy/preview", SHORTER, Accept="application/x-ndjson")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[0] == {"done": 0, "total": 1}
    assert lines[-2] == {"done": 1, "total": 1}
    assert lines[-1]["summary"]["newly_violated"] == 1


def test_bad_preview_and_apply_requests_change_nothing(
    admin: Api, policy_applied: dict[str, Any]
) -> None:
    """An unknown migrate choice and a bundle the store cannot hold answer 422 naming the
    problem; no version is made."""
    bad = _post(admin, "/api/v1/policy/preview?migrate=everything", SHORTER)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "migrate"
    huge = POLICY.replace("name: Gold", "name: " + "G" * 300, 1)
    for url in ("/api/v1/policy/preview", "/api/v1/policy?migrate=open"):
        refused = _post(admin, url, huge)
        assert refused.status_code == 422, url
        assert "processes.gold.name" in refused.json()["detail"]
    assert admin.get("/api/v1/processes/gold").json()["versions"] == [1]


def test_apply_with_migrate_open_moves_the_open_case(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    """``?migrate=open``: the case runs on Gold v2 at once, violated; the answer and the trail
    keep the migration's counts of what it did (counted as it went, not by a second pass)."""
    _with_open_case(admin, agent)
    response = _post(admin, "/api/v1/policy?migrate=open", SHORTER)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["migrated"] == 1
    assert answer["migration"]["finished"] is True
    assert answer["preview"]["newly_violated"] == 1
    record = admin.get("/api/v1/records/C-1").json()
    assert record["process"] == {"key": "gold", "version": 2}
    states = admin.get("/api/v1/records/C-1/milestones").json()["milestones"]
    assert {m["key"]: m["state"] for m in states}["first_response"] == "violated"
    trail = admin.get("/api/v1/audit", params={"kind": "policy"}).json()["items"]
    ended = next(row for row in trail if row["action"] == "migrated")
    assert ended["details"]["preview"]["newly_violated"] == 1
    assert ended["details"]["moved"] == 1
