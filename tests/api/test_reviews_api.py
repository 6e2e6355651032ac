"""``/api/v1/reviews/{team}``: the review as JSON for the team's leads, marks with notes, and
problem details for what is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api
from tests.conftest import Database
from tests.console.test_review_page import keys_for
from tests.services.review_setup import NOW


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def test_the_review_as_json_and_a_mark_that_comes_back(db: Database, client: TestClient) -> None:
    """lee reads L2's review: every section with its total and items in words; his mark on
    R-VIOL comes back on the item and among the notes."""
    lee = Api(client, keys_for(db, "lee")["lee"])
    marked = lee.post(
        "/api/v1/reviews/L2/marks",
        json={"record_id": "R-VIOL", "milestone": "first_response", "note": "Ana has it"},
    )
    assert marked.status_code == 201, marked.text
    body = lee.get("/api/v1/reviews/L2").json()
    assert [s["key"] for s in body["sections"]] == [
        "violated",
        "at_risk",
        "stalled",
        "paused",
        "late",
        "decide",
    ]
    violated = body["sections"][0]
    assert violated["total"] == 2
    item = next(i for i in violated["items"] if i["record_id"] == "R-VIOL")
    assert item["mark"]["note"] == "Ana has it"
    assert item["summary"].startswith("First response, due")
    assert body["notes"][0]["by"] == "lee"
    assert body["compliance"]["rate"] == 0.5


def test_refusals_are_problem_details(db: Database, client: TestClient) -> None:
    """An unknown cadence, a naive instant, a note too long and another team's review."""
    lee = Api(client, keys_for(db, "lee")["lee"])
    for url in ("/api/v1/reviews/L2?cadence=yearly", "/api/v1/reviews/L2?until=2026-03-09T08:00"):
        answer = lee.get(url)
        assert answer.status_code == 422, url
        assert answer.headers["content-type"] == "application/problem+json"
    long = lee.post(
        "/api/v1/reviews/L2/marks",
        json={"record_id": "R-VIOL", "milestone": "first_response", "note": "x" * 2001},
    )
    assert long.status_code == 422
    assert lee.get("/api/v1/reviews/L1").status_code == 403


def test_a_team_schedule_is_set_read_and_followed(db: Database, client: TestClient) -> None:
    """lee gives L2 its own schedule (Tuesdays 09:00 New York, daily for globex, two
    recipients); reading it back says so, the review offers the daily cadence, and the daily
    review lists only globex's records; the week's CSAT comes with the review."""
    lee = Api(client, keys_for(db, "lee")["lee"])
    before = lee.get("/api/v1/reviews/L2/schedule").json()
    assert (before["own"], before["cadences"], before["recipients"]) == (False, ["weekly"], None)
    body = {
        "weekday": 1,
        "hour": 9,
        "time_zone": "America/New_York",
        "daily_accounts": ["globex"],
        "recipients": ["ops@example.com"],
    }
    saved = lee.put("/api/v1/reviews/L2/schedule", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json() == lee.get("/api/v1/reviews/L2/schedule").json()
    assert saved.json()["cadences"] == ["weekly", "daily"]
    assert saved.json()["time_zone"] == "America/New_York"
    daily = lee.get("/api/v1/reviews/L2?cadence=daily").json()
    listed = {i["record_id"] for s in daily["sections"] for i in s["items"]}
    assert listed == {"R-QUIET"}
    weekly = lee.get("/api/v1/reviews/L2").json()
    assert weekly["since"] == "2026-03-03T14:00:00Z"  # Tuesday 09:00 in New York (EST)
    assert weekly["csat"]["answers"] == 3


def test_a_bad_schedule_is_refused_and_changes_nothing(db: Database, client: TestClient) -> None:
    """An unknown zone, an hour of 24, a recipient that is no address, and another team's
    schedule are refused with problem details; the schedule stays the installation's."""
    lee = Api(client, keys_for(db, "lee")["lee"])
    for body, path in (
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"hour": 24}, "hour"),
        ({"recipients": ["not an address"]}, "recipients"),
    ):
        answer = lee.put("/api/v1/reviews/L2/schedule", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert path in answer.text
    assert lee.put("/api/v1/reviews/L1/schedule", json={"hour": 7}).status_code == 403
    assert lee.get("/api/v1/reviews/L2/schedule").json()["own"] is False
