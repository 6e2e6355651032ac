"""Customer milestones over the API: made by hand and by plans, tasks that move progress and
complete a milestone, dependencies, collaborators' access and its audit trail, bad input."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api
from tests.api.people_fixtures import person
from tests.conftest import Database

ACME = {"id": "acme", "name": "Acme", "start_date": "2026-03-02", "renewal_date": "2027-03-02"}


def _account(api: Api, account: dict[str, Any] = ACME) -> None:
    assert api.post("/api/v1/accounts", json=account).status_code == 201


def _people(client: TestClient, db: Database, clock: FixedClock) -> tuple[Api, Api]:
    """An agent ``mia`` (every account) and a viewer ``dev`` limited to another account."""
    mia = person(client, db, clock, "mia", "agent").api
    dev = person(client, db, clock, "dev", "viewer", accounts=["globex"]).api
    return mia, dev


def test_a_milestone_made_by_hand_counts_from_the_start_and_reminds(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """30 days after the account's start (2 March) is 1 April; its reminders are planned at
    09:00 UTC on the first reminder day; the list shows it on track with no progress yet."""
    mia, _ = _people(people_client, db, clock)
    _account(mia)
    made = mia.post(
        "/api/v1/accounts/acme/milestones",
        json={
            "name": "Go-live",
            "owner": "mia",
            "offset": "30d",
            "reminders": {"before": ["1w", "2d"], "repeat": "1w"},
            "pin": "go-live",
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["due_on"], body["status"], body["progress"]) == ("2026-04-01", "on track", None)
    assert body["next_reminder_at"] == "2026-03-25T09:00:00Z"
    listed = mia.get("/api/v1/accounts/acme/milestones").json()["items"]
    assert [m["name"] for m in listed] == ["Go-live"]


def test_tasks_move_progress_and_complete_the_milestone_then_the_next_moves(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """With the implementation plan applied from 1 August, completing delivery's two tasks on
    9 March completes it (it completes on its tasks) and setup, counted a month from delivery's
    completion, moves to 9 April; reopening a task reopens delivery."""
    mia, _ = _people(people_client, db, clock)
    _account(mia)
    applied = mia.post(
        "/api/v1/accounts/acme/plans",
        json={"plan": "implementation", "start": "2026-08-01", "owner": "mia"},
    )
    assert applied.status_code == 201, applied.text
    milestones = {m["key"]: m for m in applied.json()["milestones"]}
    assert [milestones[k]["due_on"] for k in ("delivery", "setup", "training")] == [
        "2026-09-01",
        "2026-10-01",
        "2026-10-15",
    ]
    delivery = milestones["delivery"]
    first, second = (t["id"] for t in delivery["tasks"])
    assert mia.post(f"/api/v1/account-tasks/{first}/complete").status_code == 200
    half = mia.get(f"/api/v1/account-milestones/{delivery['id']}").json()
    assert (half["progress"], half["done"]) == (0.5, False)
    mia.post(f"/api/v1/account-tasks/{second}/complete")
    done = mia.get(f"/api/v1/account-milestones/{delivery['id']}").json()
    assert (done["progress"], done["status"], done["completed_by"]) == (
        1.0,
        "done",
        "caseclock (required tasks done)",
    )
    setup = mia.get(f"/api/v1/account-milestones/{milestones['setup']['id']}").json()
    assert (setup["starts_on"], setup["due_on"]) == ("2026-03-09", "2026-04-09")
    mia.post(f"/api/v1/account-tasks/{second}/reopen")
    again = mia.get(f"/api/v1/account-milestones/{delivery['id']}").json()
    assert (again["done"], again["progress"]) == (False, 0.5)


def test_a_collaborator_sees_the_account_while_collaborating_and_404_after(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """``dev`` is limited to globex: acme is 404 to them until they are added to one of its
    milestones; then they read it and complete its tasks (though only a viewer); once removed,
    their next request is 404 again. The grant and the revocation are in the audit trail."""
    mia, dev = _people(people_client, db, clock)
    _account(mia)
    admin = person(people_client, db, clock, "ada", "admin").api
    milestone = mia.post(
        "/api/v1/accounts/acme/milestones", json={"name": "Delivery", "due_on": "2026-09-01"}
    ).json()
    task = mia.post(
        f"/api/v1/account-milestones/{milestone['id']}/tasks", json={"title": "Book the truck"}
    ).json()
    assert dev.get("/api/v1/accounts/acme").status_code == 404
    added = mia.post(
        f"/api/v1/account-milestones/{milestone['id']}/collaborators", json={"user": "dev"}
    )
    assert added.status_code == 201
    assert added.json()["collaborators"] == ["dev"]
    assert dev.get("/api/v1/accounts/acme").status_code == 200
    assert dev.post(f"/api/v1/account-tasks/{task['id']}/complete").status_code == 200
    assert (
        dev.post(
            "/api/v1/accounts/acme/milestones", json={"name": "x", "due_on": "2026-09-01"}
        ).status_code
        == 403
    )
    removed = mia.delete(f"/api/v1/account-milestones/{milestone['id']}/collaborators/dev")
    assert removed.status_code == 200
    assert dev.get("/api/v1/accounts/acme").status_code == 404
    assert dev.get(f"/api/v1/account-milestones/{milestone['id']}").status_code == 404
    trail = admin.get("/api/v1/audit", params={"kind": "collaborator"}).json()["items"]
    assert [(e["action"], e["target"]) for e in trail] == [("revoke", "dev"), ("grant", "dev")]


def test_the_renewal_plan_pins_the_renewal_date_on_the_account(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """The renewal plan's renewal milestone (a year after the start, moved off a weekend) is
    pinned: the account's renewal date follows it."""
    mia, _ = _people(people_client, db, clock)
    _account(mia, {**ACME, "start_date": "2026-08-01", "renewal_date": None})
    mia.post("/api/v1/accounts/acme/plans", json={"plan": "renewal"})
    account = mia.get("/api/v1/accounts/acme").json()
    assert account["renewal_date"] == "2027-07-30"  # 1 August 2027 is a Sunday


def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """An hour offset, both a date and an offset, an unknown owner, an unknown plan, a
    reminder counted forwards and an unknown milestone to count from are each a 422 naming
    the field; nothing is stored."""
    mia, _ = _people(people_client, db, clock)
    _account(mia)
    url = "/api/v1/accounts/acme/milestones"
    cases = [
        ({"name": "x", "offset": "4h"}, "offset"),
        ({"name": "x", "offset": "3d", "due_on": "2026-09-01"}, "due_on"),
        ({"name": "x", "due_on": "2026-09-01", "owner": "nobody"}, "owner"),
        ({"name": "x", "due_on": "2026-09-01", "reminders": {"before": ["-1w"]}}, "reminders"),
        ({"name": "x", "offset": "3d", "after": 999}, "after"),
    ]
    for body, field in cases:
        response = mia.post(url, json=body)
        assert response.status_code == 422, body
        assert field in response.json()["errors"][0]["path"], response.json()
    plan = mia.post("/api/v1/accounts/acme/plans", json={"plan": "nope"})
    assert plan.status_code == 422
    assert "the plans are implementation, lifecycle, onboarding, renewal" in plan.json()["detail"]
    assert mia.get(url).json()["items"] == []


def test_accounts_list_by_lifecycle_phase_and_renewal_window(
    people_client: TestClient, db: Database, clock: FixedClock
) -> None:
    """On 9 March 2026 an account started on 1 January is in adoption and one started on 1 June
    2025 in retention (both from the lifecycle plan); ``phase`` filters by it and the list says
    it; ``renewal_within=60`` keeps the account renewing on 1 May and not the one in 2027."""
    mia, _ = _people(people_client, db, clock)
    _account(
        mia,
        {"id": "early", "name": "Early", "start_date": "2026-01-01", "renewal_date": "2027-01-01"},
    )
    _account(
        mia,
        {"id": "later", "name": "Later", "start_date": "2025-06-01", "renewal_date": "2026-05-01"},
    )
    for account in ("early", "later"):
        assert (
            mia.post(f"/api/v1/accounts/{account}/plans", json={"plan": "lifecycle"}).status_code
            == 201
        )
    adoption = mia.get("/api/v1/accounts", params={"phase": "adoption"}).json()
    assert [(a["id"], a["phase"]) for a in adoption] == [("early", "adoption")]
    everyone = mia.get("/api/v1/accounts").json()
    assert [(a["id"], a["phase"]) for a in everyone] == [
        ("early", "adoption"),
        ("later", "retention"),
    ]
    renewing = mia.get("/api/v1/accounts", params={"renewal_within": 60}).json()
    assert [a["id"] for a in renewing] == ["later"]
