"""Priority suggestions through the API: the worker suggests from what the customer wrote,
a person accepts or dismisses, each decision is an event with its provenance; a policy may
let suggestions apply themselves, and nothing is applied otherwise."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from caseclock.clock import FixedClock
from caseclock.worker.insights import InsightsJob
from tests.api.conftest import POLICY, Api
from tests.conftest import T0, Database


def _events(record: str, *, body: str, priority: str = "P3") -> list[dict[str, Any]]:
    return [
        {
            "id": f"{record}-created",
            "record": record,
            "type": "created",
            "at": (T0 - timedelta(hours=1)).isoformat(),
            "data": {"type": "case", "status": "New", "priority": priority, "tier": "Platinum"},
        },
        {
            "id": f"{record}-c1",
            "record": record,
            "type": "comment",
            "at": (T0 - timedelta(minutes=30)).isoformat(),
            "data": {"public": True, "author_role": "customer", "body": body},
        },
    ]


ANGRY = "Production is down and this is terrible, we are furious. Fix it ASAP!"


def _suggest(db: Database, clock: FixedClock) -> None:
    """The worker's pass over the records that changed."""
    InsightsJob(session_factory=db.session_factory, age=timedelta(minutes=15)).run(clock.now())


def _apply(admin: Api, text: str = POLICY) -> None:
    response = admin.client.post(
        "/api/v1/policy",
        content=text,
        headers={**admin.headers, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text


def _setup(admin: Api, agent: Api, db: Database, clock: FixedClock, record: str) -> Any:
    response = agent.post("/api/v1/events", json=_events(record, body=ANGRY))
    assert response.status_code in (200, 207), response.text
    _suggest(db, clock)
    return agent.get(f"/api/v1/records/{record}/priority-suggestions").json()["items"]


def test_accepting_sets_the_priority_by_an_event_with_provenance(
    admin: Api, agent: Api, db: Database, clock: FixedClock
) -> None:
    """An outage from an unhappy Platinum customer suggests P1 with reasons; the record is
    not changed until an agent accepts, and then a priority event from the API by that key
    sets it; accepting again is a 409."""
    _apply(admin)
    [suggestion] = _setup(admin, agent, db, clock, "C-1")
    assert (suggestion["current"], suggestion["suggested"], suggestion["state"]) == (
        "P3",
        "P1",
        "open",
    )
    assert "the customer says production is down (“Production is down”)" in suggestion["reasons"]
    assert "Platinum tier" in suggestion["reasons"]
    assert agent.get("/api/v1/records/C-1").json()["priority"] == "P3"  # never silently
    accepted = agent.post(f"/api/v1/priority-suggestions/{suggestion['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["state"] == "accepted"
    assert agent.get("/api/v1/records/C-1").json()["priority"] == "P1"
    events = agent.get("/api/v1/records/C-1/events").json()
    items = events["items"] if isinstance(events, dict) else events
    [event] = [e for e in items if e["id"] == body["event_id"]]
    assert event["type"] == "priority"
    assert event["source"] == "api"
    assert event["actor"] == body["decided_by"]
    again = agent.post(f"/api/v1/priority-suggestions/{suggestion['id']}/accept")
    assert again.status_code == 409
    assert "accepted, not open" in again.json()["detail"]


def test_dismissing_writes_a_note_and_the_suggestion_is_not_made_again(
    admin: Api, agent: Api, viewer: Api, db: Database, clock: FixedClock
) -> None:
    """A viewer may not decide (403); an agent's dismissal is an internal note saying what
    was dismissed and why; the priority stays, and the next pass does not suggest it again."""
    _apply(admin)
    [suggestion] = _setup(admin, agent, db, clock, "C-2")
    url = f"/api/v1/priority-suggestions/{suggestion['id']}/dismiss"
    assert viewer.post(url).status_code == 403
    dismissed = agent.post(url)
    assert dismissed.status_code == 200, dismissed.text
    events = agent.get("/api/v1/records/C-2/events").json()
    items = events["items"] if isinstance(events, dict) else events
    [note] = [e for e in items if e["id"] == dismissed.json()["event_id"]]
    assert note["type"] == "note"
    assert note["data"]["body"].startswith("Priority suggestion dismissed: P1 (from P3)")
    _suggest(db, clock)
    assert agent.get("/api/v1/records/C-2/priority-suggestions").json()["items"] == []
    assert agent.get("/api/v1/records/C-2").json()["priority"] == "P3"


def test_unknown_and_bad_ids_are_problems(agent: Api) -> None:
    """An id that does not exist is a 404 problem; one that is not a number a 422."""
    missing = agent.post("/api/v1/priority-suggestions/999/accept")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert agent.post("/api/v1/priority-suggestions/x/accept").status_code == 422


def test_a_policy_may_apply_suggestions_itself(
    admin: Api, agent: Api, db: Database, clock: FixedClock
) -> None:
    """With ``priority_suggestions: apply`` on the process, the worker sets the priority at
    once, by a priority event whose source is the worker; the suggestion reads ``applied``."""
    text = POLICY.replace(
        "    name: Gold\n", "    name: Gold\n    priority_suggestions: apply\n", 1
    )
    assert text != POLICY
    _apply(admin, text)
    events = _events("C-3", body=ANGRY)
    events[0]["data"]["process"] = "gold"
    assert agent.post("/api/v1/events", json=events).status_code in (200, 207)
    _suggest(db, clock)
    assert agent.get("/api/v1/records/C-3").json()["priority"] == "P1"
    listed = agent.get("/api/v1/records/C-3/events").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    [event] = [e for e in items if e["type"] == "priority"]
    assert event["source"] == "worker"
