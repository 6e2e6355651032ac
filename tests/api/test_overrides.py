"""SLA overrides name a milestone of the record's process; a typo is refused, not stored."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.test_records_events import at, created


def override(milestone: str, event_id: str = "o1") -> dict[str, Any]:
    return {
        "id": event_id,
        "record": "C-1",
        "type": "override",
        "at": at(0),
        "data": {"milestone": milestone, "extend": "4h", "by": "lee", "reason": "change window"},
    }


def test_override_of_an_unknown_milestone_is_refused(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """An override naming a milestone the process lacks is a 422 naming data.milestone and the
    keys that exist; nothing is stored, so the timeline shows no SLA change that did nothing."""
    assert agent.post("/api/v1/events", json=created()).status_code == 200
    response = agent.post("/api/v1/events", json=override("resolutoin"))
    assert response.status_code == 422, response.text
    message = response.json()["errors"][0]["message"]
    assert "no milestone 'resolutoin'" in message
    assert "resolution" in message
    events = agent.get("/api/v1/records/C-1/events").json()
    assert [e["type"] for e in events] == ["created"]


def test_override_of_a_known_milestone_moves_its_deadline(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """A valid override in the same batch as a rejected one is accepted and extends the clock."""
    assert agent.post("/api/v1/events", json=created()).status_code == 200
    before = agent.get("/api/v1/records/C-1/milestones").json()["milestones"]
    deadline = {m["key"]: m["deadline"] for m in before}["resolution"]
    batch = {"events": [override("nope", "o1"), override("resolution", "o2")]}
    body = agent.post("/api/v1/events", json=batch).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "accepted"]
    after = agent.get("/api/v1/records/C-1/milestones").json()["milestones"]
    assert {m["key"]: m["deadline"] for m in after}["resolution"] > deadline
