"""What ``POST /policy`` says it did with the rules, and JSON bodies that repeat a key."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

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
