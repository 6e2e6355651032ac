"""The at-risk queue: soonest breach first, health at now, filters and scopes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from caseclock.clock import FixedClock
from tests.api.conftest import Api
from tests.conftest import T0


def open_case(
    api: Api, clock: FixedClock, record: str, hours_after_t0: float, **fields: Any
) -> None:
    """Open a case at T0 + hours, with the clock at that instant (as a helpdesk would)."""
    clock.set(T0 + timedelta(hours=hours_after_t0))
    body = {"id": record, "tier": "Gold", "account": "acme", **fields}
    assert api.post("/api/v1/records", json=body).status_code == 201


def queue(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get(
        "/api/v1/milestones", params={"at_risk": "true", "sort": "deadline", **params}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_soonest_breach_first_with_health(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """Open first responses come soonest deadline first, yellow past warning, red past due."""
    open_case(agent, clock, "C-1", 0, owner="ana")
    open_case(agent, clock, "C-2", 1, owner="bo")
    open_case(agent, clock, "C-3", 2, owner="ana")
    clock.set(T0 + timedelta(hours=3, minutes=20))
    items = queue(agent, milestone="first_response")
    assert [i["record"] for i in items] == ["C-1", "C-2", "C-3"]
    assert [i["health"] for i in items] == ["yellow", "green", "green"]
    assert items[0]["remaining_seconds"] == 40 * 60
    clock.set(T0 + timedelta(hours=4, minutes=30))
    items = queue(agent, milestone="first_response")
    assert (items[0]["state"], items[0]["health"]) == ("violated", "red")
    assert items[0]["remaining_seconds"] == -30 * 60


def test_completed_milestones_leave_the_queue(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """A first response answered is no longer at risk."""
    open_case(agent, clock, "C-1", 0)
    clock.set(T0 + timedelta(hours=1))
    agent.post(
        "/api/v1/events",
        json={
            "id": "reply",
            "record": "C-1",
            "type": "comment",
            "at": clock.now().isoformat(),
            "data": {"public": True, "author_role": "agent"},
        },
    )
    keys = [i["milestone"] for i in queue(agent)]
    assert keys == ["resolution"]


def test_filters_by_owner_and_state(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """owner= narrows the queue; state=violated keeps what is overdue now."""
    open_case(agent, clock, "C-1", 0, owner="ana")
    open_case(agent, clock, "C-2", 3, owner="bo")
    clock.set(T0 + timedelta(hours=5))
    assert {i["record"] for i in queue(agent, owner="bo")} == {"C-2"}
    violated = agent.get("/api/v1/milestones", params={"state": "violated"}).json()["items"]
    assert [(i["record"], i["milestone"]) for i in violated] == [("C-1", "first_response")]


def test_paused_resolution_keeps_its_remaining_time(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """While waiting for the customer, resolution shows as paused with frozen time left."""
    open_case(agent, clock, "C-1", 0)
    clock.set(T0 + timedelta(hours=2))
    agent.post(
        "/api/v1/events",
        json={
            "id": "wait",
            "record": "C-1",
            "type": "status",
            "at": clock.now().isoformat(),
            "data": {"status": "Waiting for Customer"},
        },
    )
    clock.set(T0 + timedelta(hours=6))
    resolution = next(i for i in queue(agent) if i["milestone"] == "resolution")
    assert resolution["state"] == "paused"
    assert resolution["remaining_seconds"] == 22 * 3600


def test_counts_cover_the_whole_filtered_queue(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """`counts` counts every open milestone the filters match, however short the page."""
    open_case(agent, clock, "C-1", 0, owner="ana")
    open_case(agent, clock, "C-2", 1, owner="bo")
    open_case(agent, clock, "C-3", 2, owner="ana")
    clock.set(T0 + timedelta(hours=3, minutes=20))  # C-1's first response is past its warning
    body = agent.get("/api/v1/milestones", params={"at_risk": "true", "limit": 1}).json()
    assert len(body["items"]) == 1
    assert body["counts"] == {
        "at": body["at"],
        "violated": 0,
        "at_risk": 1,
        "on_track": 5,
        "paused": 0,
    }
    clock.set(T0 + timedelta(hours=5, minutes=30))  # C-1 and C-2 past their first response
    mine = agent.get("/api/v1/milestones", params={"at_risk": "true", "owner": "ana"}).json()
    assert mine["counts"] == {
        "at": mine["at"],
        "violated": 1,
        "at_risk": 1,
        "on_track": 2,
        "paused": 0,
    }


def test_the_next_page_shares_the_count_taken_a_moment_ago(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """Paging through the queue within a few seconds reuses the first page's count, and says
    so: `counts.at` is when it was taken, `at` when the page was read."""
    open_case(agent, clock, "C-1", 0, owner="ana")
    open_case(agent, clock, "C-2", 1, owner="bo")
    clock.set(T0 + timedelta(hours=3))
    first = agent.get("/api/v1/milestones", params={"at_risk": "true", "limit": 1}).json()
    clock.set(T0 + timedelta(hours=3, seconds=5))
    params = {"at_risk": "true", "limit": 1, "offset": 1}
    second = agent.get("/api/v1/milestones", params=params).json()
    assert second["counts"] == first["counts"]
    assert second["counts"]["at"] == first["at"] != second["at"]
    clock.set(T0 + timedelta(hours=3, seconds=30))
    third = agent.get("/api/v1/milestones", params=params).json()
    assert third["counts"]["at"] == third["at"]


FRIDAY_1330 = T0 + timedelta(days=4, hours=3, minutes=30)  # Friday 13 March, 13:30 in New York


def test_deadline_order_and_time_left_order(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """Soonest breach first is the wall-clock deadline: an Enterprise case on 24x7 due at
    18:00 today comes before a Gold case due Monday 09:30, though the Gold case has less
    business time left (1 h against 1 h 30); `sort=time_left` gives the other order."""
    open_case(agent, clock, "GOLD", 4 * 24 + 3.5)
    open_case(agent, clock, "SUN", 4 * 24 + 6, tier="Enterprise")
    clock.set(FRIDAY_1330 + timedelta(hours=3))  # 16:30 in New York
    by_deadline = queue(agent, milestone="first_response")
    assert [(i["record"], i["remaining_seconds"]) for i in by_deadline] == [
        ("SUN", 90 * 60),
        ("GOLD", 60 * 60),
    ]
    by_time_left = queue(agent, milestone="first_response", sort="time_left")
    assert [i["record"] for i in by_time_left] == ["GOLD", "SUN"]
    second = queue(agent, milestone="first_response", sort="time_left", limit=1, offset=1)
    assert [i["record"] for i in second] == ["SUN"]


def test_one_row_per_record_shows_its_next_breach(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """`per_record=true` gives each record once, with its soonest deadline, soonest first; a
    record whose first response is answered shows its resolution."""
    open_case(agent, clock, "C-1", 0)
    open_case(agent, clock, "C-2", 1)
    clock.set(T0 + timedelta(hours=1, minutes=30))
    reply = {
        "id": "reply",
        "record": "C-1",
        "type": "comment",
        "at": clock.now().isoformat(),
        "data": {"public": True, "author_role": "agent"},
    }
    assert agent.post("/api/v1/events", json=reply).status_code in (200, 201, 207)
    rows = queue(agent, per_record="true")
    assert [(i["record"], i["milestone"]) for i in rows] == [
        ("C-2", "first_response"),
        ("C-1", "resolution"),
    ]
    assert [i["record"] for i in queue(agent, per_record="true", offset=1)] == ["C-1"]


def test_calendar_time_milestones_count_time_left_in_calendar_time(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """A 7-day status update opened Friday 16:00 has 6 days left on Saturday 16:00 (not the 39
    business hours to its deadline), and its clock runs through the weekend; the business-hours
    first response beside it counts business time and is stopped."""
    open_case(agent, clock, "P-1", 4 * 24 + 6, tier="Platinum")
    clock.set(FRIDAY_1330 + timedelta(days=1, hours=2, minutes=30))  # Saturday 16:00
    rows = {i["milestone"]: i for i in queue(agent)}
    assert rows["status_update"]["remaining_seconds"] == 6 * 86400
    assert rows["status_update"]["basis"] == "calendar"
    assert rows["first_response"]["remaining_seconds"] == 3 * 3600
    assert rows["first_response"]["basis"] == "business"
    by_time_left = queue(agent, sort="time_left")
    assert [i["milestone"] for i in by_time_left] == ["first_response", "status_update"]
