"""Records and event ingestion: creation, duplicates, late events, batches, scopes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api, make_key
from tests.conftest import T0, Database


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def created(
    record: str = "C-1", account: str = "acme", hours: float = 0, **data: Any
) -> dict[str, Any]:
    return {
        "id": f"{record}-created",
        "record": record,
        "type": "created",
        "at": at(hours),
        "data": {"account": account, "tier": "Gold", "priority": "P2", "status": "New", **data},
    }


def comment(record: str, event_id: str, hours: float) -> dict[str, Any]:
    return {
        "id": event_id,
        "record": record,
        "type": "comment",
        "at": at(hours),
        "data": {"public": True, "author_role": "agent"},
    }


def milestones(api: Api, record: str) -> dict[str, dict[str, Any]]:
    body = api.get(f"/api/v1/records/{record}/milestones").json()
    return {m["key"]: m for m in body["milestones"]}


def test_created_event_creates_the_record_with_its_process(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """A created event for an unknown record creates it; the rules choose its process."""
    response = agent.post("/api/v1/events", json=created())
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "accepted"
    record = agent.get("/api/v1/records/C-1").json()
    assert record["process"] == {"key": "gold", "version": 1}
    assert record["status"] == "New"
    assert {m["key"] for m in record["milestones"]} == {"first_response", "resolution"}


def test_duplicate_event_is_accepted_and_ignored(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Sending the same event id twice stores it once and says duplicate."""
    agent.post("/api/v1/events", json=created())
    again = agent.post("/api/v1/events", json=created())
    assert again.status_code == 200
    assert again.json()["results"][0]["status"] == "duplicate"
    events = agent.get("/api/v1/records/C-1/events").json()
    assert len(events) == 1


def test_first_response_completes_on_agent_comment(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """A public agent comment completes first response; the milestone rows follow."""
    agent.post("/api/v1/events", json=created())
    clock.set(T0 + timedelta(hours=2))
    agent.post("/api/v1/events", json=comment("C-1", "e2", 1))
    first = milestones(agent, "C-1")["first_response"]
    assert first["state"] == "completed"
    assert first["completed_at"] == at(1)
    assert first["late"] is False


def test_late_event_is_placed_at_its_instant(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """An event arriving after a later one is evaluated at its own occurred_at."""
    clock.set(T0 + timedelta(hours=6))
    batch = [created(), comment("C-1", "late", 3), comment("C-1", "early", 1)]
    agent.post("/api/v1/events", json=[batch[0], batch[1]])
    agent.post("/api/v1/events", json=[batch[2]])
    first = milestones(agent, "C-1")["first_response"]
    assert first["completed_at"] == at(1)


def test_batch_reports_each_event(agent: Api, policy_applied: dict[str, Any]) -> None:
    """A batch answers per event: accepted, duplicate, rejected with the reason and path."""
    batch = {
        "events": [
            created(),
            created(),
            {**comment("C-1", "e2", 1), "at": "2026-03-09T15:00:00"},
            comment("C-404", "e3", 0),
            comment("C-1", "e4", 0),
        ]
    }
    body = agent.post("/api/v1/events", json=batch).json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["accepted", "duplicate", "rejected", "rejected", "accepted"]
    assert body["results"][2]["errors"][0].startswith("at:")
    assert "unknown record 'C-404'" in body["results"][3]["errors"][0]
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (2, 1, 2)


def test_single_bad_event_is_a_422_problem(agent: Api) -> None:
    """One event with a naive instant answers 422 problem details naming 'at'."""
    response = agent.post("/api/v1/events", json={**created(), "at": "2026-03-09T09:00:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "at"


def test_single_event_on_unknown_record_is_404(agent: Api) -> None:
    """A lone event for a record never created answers 404."""
    response = agent.post("/api/v1/events", json=comment("C-9", "e1", 0))
    assert response.status_code == 404


def test_batch_over_the_limit_is_refused(agent: Api) -> None:
    """More than 1,000 events in one batch is refused before anything is stored."""
    batch = [comment("C-1", f"e{i}", 0) for i in range(1001)]
    response = agent.post("/api/v1/events", json=batch)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "events"


def test_post_records_creates_and_conflicts(agent: Api, policy_applied: dict[str, Any]) -> None:
    """POST /records makes the record and its created event; the same id again is a 409."""
    body = {"id": "C-7", "account": "acme", "tier": "Gold", "priority": "P1", "fields": {"x": 1}}
    response = agent.post("/api/v1/records", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["fields"] == {"x": 1}
    assert response.json()["last_events"][0]["type"] == "created"
    assert agent.post("/api/v1/records", json=body).status_code == 409


def test_record_keeps_its_process_version(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    """After a policy change, old records keep their version and new ones get the new one."""
    agent.post("/api/v1/records", json={"id": "C-1", "tier": "Gold"})
    changed = admin.get("/api/v1/processes/gold").json()["document"]
    changed["name"] = "Gold v2"
    calendars = [c["document"] for c in admin.get("/api/v1/calendars").json()]
    bundle = {"calendars": calendars, "processes": {"gold": changed}}
    response = admin.post("/api/v1/policy", json=bundle)
    assert response.status_code == 200, response.text
    applied = response.json()
    assert applied["processes"] == [{"key": "gold", "version": 2, "created": True}]
    agent.post("/api/v1/records", json={"id": "C-2", "tier": "Gold"})
    assert agent.get("/api/v1/records/C-1").json()["process"]["version"] == 1
    assert agent.get("/api/v1/records/C-2").json()["process"]["version"] == 2


def test_records_without_entitlement_are_listed(agent: Api) -> None:
    """With no process to give, a record has none and entitlement=missing lists it."""
    agent.post("/api/v1/records", json={"id": "C-1"})
    missing = agent.get("/api/v1/records", params={"entitlement": "missing"}).json()
    assert [r["id"] for r in missing] == ["C-1"]
    assert missing[0]["process"] is None


def test_record_filters(agent: Api, policy_applied: dict[str, Any], clock: FixedClock) -> None:
    """GET /records filters by owner, team and open/closed state."""
    agent.post("/api/v1/records", json={"id": "C-1", "owner": "ana", "team": "L1"})
    agent.post("/api/v1/records", json={"id": "C-2", "owner": "bo", "team": "L2"})
    clock.set(T0 + timedelta(hours=1))
    agent.post(
        "/api/v1/events",
        json={"id": "x", "record": "C-2", "type": "closed", "at": at(1), "data": {}},
    )
    assert [r["id"] for r in agent.get("/api/v1/records", params={"owner": "ana"}).json()] == [
        "C-1"
    ]
    closed = agent.get("/api/v1/records", params={"state": "closed"}).json()
    assert [r["id"] for r in closed] == ["C-2"]


def test_scoped_key_gets_404_for_other_accounts_records(
    agent: Api, client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Records of accounts outside a key's scope are 404, and its events are refused."""
    agent.post("/api/v1/events", json=[created("C-1", "acme"), created("C-2", "globex")])
    scoped = Api(client, make_key(db, clock, "agent", accounts=["globex"]))
    assert scoped.get("/api/v1/records/C-1").status_code == 404
    assert scoped.get("/api/v1/records/C-2").status_code == 200
    assert [r["id"] for r in scoped.get("/api/v1/records").json()] == ["C-2"]
    assert scoped.post("/api/v1/events", json=comment("C-1", "e9", 0)).status_code == 404


def test_tasks_and_handoff_notes_are_kept(agent: Api, clock: FixedClock) -> None:
    """Task events and owner changes with a note show up on the record."""
    agent.post("/api/v1/records", json={"id": "C-1"})
    clock.set(T0 + timedelta(hours=2))
    agent.post(
        "/api/v1/events",
        json=[
            {"id": "t", "record": "C-1", "type": "task", "at": at(1), "data": {"title": "Call"}},
            {
                "id": "o",
                "record": "C-1",
                "type": "owner",
                "at": at(2),
                "data": {"owner": "ana", "note": "context: logs attached"},
            },
        ],
    )
    record = agent.get("/api/v1/records/C-1").json()
    assert [t["title"] for t in record["tasks"]] == ["Call"]
    assert [(n["kind"], n["body"]) for n in record["notes"]] == [
        ("handoff", "context: logs attached")
    ]
    assert record["owner"] == "ana"
