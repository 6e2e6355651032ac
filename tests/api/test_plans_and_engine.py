"""Plans stored over the API (list, show, create with errors at their path, apply, delete) and
customer milestones on the engine: their rows in the at-risk queue, filtered by kind."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.people_fixtures import person
from tests.conftest import Database

ACME = {"id": "acme", "name": "Acme", "start_date": "2026-03-02"}
ROLLOUT: dict[str, Any] = {
    "key": "rollout",
    "name": "Rollout",
    "milestones": [
        {"key": "pilot", "name": "Pilot", "due": {"offset": "10bd"}},
        {
            "key": "everyone",
            "name": "Everyone on board",
            "starts_after": "pilot",
            "due": {"offset": "1mo"},
            "actions": {"violation": {"do": [{"type": "email", "to": "team"}]}},
        },
    ],
}


def test_a_lead_stores_a_plan_an_agent_applies_it_and_it_runs_on_the_engine(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """lee (lead) stores "rollout"; agents list it beside the shipped ones and cannot store or
    delete plans; mia applies it to acme from 2 March: the pilot is due ten working days later
    and is in the at-risk queue as a customer milestone, the second waits (not in the queue);
    deleting the plan leaves the milestones."""
    lee = person(people_client, db, clock, "lee", "lead").api
    mia = person(people_client, db, clock, "mia", "agent").api
    assert mia.post("/api/v1/accounts", json=ACME).status_code == 201
    assert mia.post("/api/v1/plans", json=ROLLOUT).status_code == 403
    stored = lee.post("/api/v1/plans", json=ROLLOUT)
    assert stored.status_code == 201, stored.text
    assert (stored.json()["shipped"], stored.json()["created_by"]) == (False, "lee")
    listed = {p["key"]: p["shipped"] for p in mia.get("/api/v1/plans").json()["items"]}
    assert listed == {
        "implementation": True,
        "lifecycle": True,
        "onboarding": True,
        "renewal": True,
        "rollout": False,
    }
    shown = mia.get("/api/v1/plans/rollout").json()
    assert shown["document"]["milestones"][1]["starts_after"] == "pilot"
    applied = mia.post("/api/v1/accounts/acme/plans", json={"plan": "rollout", "owner": "mia"})
    assert applied.status_code == 201, applied.text
    pilot, everyone = applied.json()["milestones"]
    assert (pilot["due_on"], pilot["engine_record"]) == ("2026-03-16", "customer-milestones:acme")
    assert everyone["actions"]["violation"]["do"] == [{"type": "email", "to": "team"}]
    queue = mia.get("/api/v1/milestones", params={"at_risk": "true", "kind": "customer"}).json()
    assert [(i["record"], i["milestone"], i["name"]) for i in queue["items"]] == [
        ("customer-milestones:acme", pilot["engine_key"], "Pilot")
    ]
    cases = mia.get("/api/v1/milestones", params={"at_risk": "true", "kind": "case"}).json()
    assert cases["items"] == []
    assert mia.delete("/api/v1/plans/rollout").status_code == 403
    assert lee.delete("/api/v1/plans/rollout").status_code == 204
    assert lee.get("/api/v1/plans/rollout").status_code == 404
    assert len(mia.get("/api/v1/accounts/acme/milestones").json()["items"]) == 2


def test_completing_a_milestone_moves_its_engine_row(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Done by hand: the queue no longer lists it as open; the one waiting for it starts."""
    lee = person(people_client, db, clock, "lee", "lead").api
    lee.post("/api/v1/accounts", json=ACME)
    lee.post("/api/v1/plans", json=ROLLOUT)
    pilot, everyone = lee.post("/api/v1/accounts/acme/plans", json={"plan": "rollout"}).json()[
        "milestones"
    ]
    assert lee.post(f"/api/v1/account-milestones/{pilot['id']}/complete").status_code == 200
    queue = lee.get("/api/v1/milestones", params={"at_risk": "true", "kind": "customer"}).json()
    assert [i["milestone"] for i in queue["items"]] == [everyone["engine_key"]]


def test_bad_plans_are_problems_at_their_path_and_store_nothing(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An hour offset, an action that changes a case, an unknown calendar, a shipped key and a
    second "rollout" are each a problem naming where; deleting a shipped plan is a conflict."""
    lee = person(people_client, db, clock, "lee", "lead").api
    pilot = ROLLOUT["milestones"][0]
    cases: list[tuple[dict[str, Any], int, str]] = [
        (
            {**ROLLOUT, "milestones": [{**pilot, "due": {"offset": "4h"}}]},
            422,
            "milestones[0].due.offset",
        ),
        (
            {
                **ROLLOUT,
                "milestones": [
                    {**pilot, "actions": {"violation": {"do": [{"type": "reassign", "to": "x"}]}}}
                ],
            },
            422,
            "milestones[0].actions",
        ),
        ({**ROLLOUT, "calendar": "nowhere"}, 422, "calendar"),
        ({**ROLLOUT, "key": "renewal"}, 409, "key"),
    ]
    for document, status, path in cases:
        refused = lee.post("/api/v1/plans", json=document)
        assert refused.status_code == status, refused.text
        assert refused.json()["errors"][0]["path"] == path, refused.json()
    assert lee.post("/api/v1/plans", json=ROLLOUT).status_code == 201
    again = lee.post("/api/v1/plans", json=ROLLOUT)
    assert again.status_code == 409
    assert lee.delete("/api/v1/plans/renewal").status_code == 409
    assert [p["key"] for p in lee.get("/api/v1/plans").json()["items"] if not p["shipped"]] == [
        "rollout"
    ]


def test_an_account_milestones_team_is_explicit(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A milestone made without a team takes none when its owner has no team; a team that
    does not exist is refused naming the field."""
    mia = person(people_client, db, clock, "mia", "agent").api
    mia.post("/api/v1/accounts", json=ACME)
    made = mia.post(
        "/api/v1/accounts/acme/milestones", json={"name": "QBR", "offset": "3mo", "owner": "mia"}
    )
    assert made.json()["team"] is None
    refused = mia.post(
        "/api/v1/accounts/acme/milestones", json={"name": "QBR", "offset": "3mo", "team": "Nope"}
    )
    assert (refused.status_code, refused.json()["errors"][0]["path"]) == (422, "team")


def test_a_milestone_made_by_hand_may_start_on_a_date(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """A start date is kept (the engine's clock runs from it); one after the due date, or
    beside a milestone to start after, is refused naming the field, and nothing is made."""
    mia = person(people_client, db, clock, "mia", "agent").api
    mia.post("/api/v1/accounts", json=ACME)
    made = mia.post(
        "/api/v1/accounts/acme/milestones",
        json={
            "name": "Setup",
            "description": "Onsite",
            "due_on": "2026-10-01",
            "starts_on": "2026-09-01",
        },
    )
    assert made.status_code == 201, made.text
    assert (made.json()["starts_on"], made.json()["description"]) == ("2026-09-01", "Onsite")
    queue = mia.get("/api/v1/milestones", params={"kind": "customer"}).json()["items"]
    assert [i["started_at"][:10] for i in queue] == ["2026-09-01"]
    for body in (
        {"name": "Late", "due_on": "2026-10-01", "starts_on": "2026-10-02"},
        {
            "name": "Both",
            "due_on": "2026-10-01",
            "starts_on": "2026-09-01",
            "starts_after": made.json()["id"],
        },
    ):
        refused = mia.post("/api/v1/accounts/acme/milestones", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["path"] == "starts_on"
    assert len(mia.get("/api/v1/accounts/acme/milestones").json()["items"]) == 1
