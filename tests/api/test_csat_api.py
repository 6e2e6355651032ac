"""``csat`` events through ``/events``: a score on its declared scale, a milestone the process
has; ``/csat`` reports them within the caller's scope."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from tests.api.conftest import Api, make_key
from tests.api.test_records_events import at, created
from tests.conftest import Database


def csat(event_id: str, record: str = "C-1", **data: Any) -> dict[str, Any]:
    return {"id": event_id, "record": record, "type": "csat", "at": at(-1), "data": data}


def test_a_score_outside_its_scale_is_a_422_and_nothing_is_stored(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Score 6 on the default 5-point scale, 0, 11 on a 10-point scale, a text score, a
    scale of 1 and a cycle without its milestone are each refused naming the field; the
    timeline keeps only the created event."""
    assert agent.post("/api/v1/events", json=created(hours=-2)).status_code == 200
    for data, words in (
        ({"score": 6}, "a score is 1 to 5 on this scale (got 6)"),
        ({"score": 0, "scale": 10}, "a score is 1 to 10 on this scale (got 0)"),
        ({"score": 11, "scale": 10}, "a score is 1 to 10"),
        ({"score": "5"}, "data.score"),
        ({"score": 1, "scale": 1}, "data.scale"),
        ({"score": 4, "cycle": 1}, "name the milestone too"),
    ):
        response = agent.post("/api/v1/events", json=csat("s1", **data))
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert words in f"{error['path']}: {error['message']}", response.text
    events = agent.get("/api/v1/records/C-1/events").json()
    assert [e["type"] for e in events] == ["created"]


def test_a_csat_naming_an_unknown_milestone_is_refused(
    agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Rating a milestone the record's process lacks is a 422 listing the ones it has."""
    assert agent.post("/api/v1/events", json=created(hours=-2)).status_code == 200
    response = agent.post("/api/v1/events", json=csat("s1", score=4, milestone="resolutoin"))
    assert response.status_code == 422, response.text
    assert "no milestone 'resolutoin'" in response.json()["errors"][0]["message"]


def test_csat_is_reported_within_the_callers_scope(
    agent: Api, policy_applied: dict[str, Any], client: TestClient, db: Database, clock: FixedClock
) -> None:
    """Two answers on acme (5 and 2, one rating the resolution) and one on globex (4): the
    report counts three, CSAT 2 of 3 and the resolution 1 of 1; a viewer scoped to globex sees
    only its answer; a repeated answer counts once."""
    batch = [
        created("C-1", hours=-2, owner="ana", team="L2"),
        created("C-2", hours=-2, owner="bo", team="L1"),
        created("G-1", account="globex", hours=-2, owner="cy", team="L1"),
        csat("s1", "C-1", score=5, milestone="resolution", comment="great"),
        csat("s2", "C-2", score=2),
        csat("s3", "G-1", score=4),
    ]
    body = agent.post("/api/v1/events", json={"events": batch}).json()
    assert {r["status"] for r in body["results"]} == {"accepted"}
    assert agent.post("/api/v1/events", json=csat("s2", "C-2", score=2)).status_code == 200
    report = agent.get("/api/v1/csat", params={"days": 7}).json()
    assert (report["overall"]["answers"], report["overall"]["satisfied"]) == (3, 2)
    assert {s["label"]: s["answers"] for s in report["by_agent"]} == {"ana": 1, "bo": 1, "cy": 1}
    assert {s["label"]: s["rate"] for s in report["by_team"]} == {"L1": 0.5, "L2": 1.0}
    assert report["by_milestone"][-1] == {
        "label": "Resolution",
        "answers": 1,
        "satisfied": 1,
        "rate": 1.0,
        "average": 1.0,
    }
    assert [c["comment"] for c in report["comments"]] == ["great"]
    scoped = Api(client, make_key(db, clock, "viewer", accounts=["globex"]))
    mine = scoped.get("/api/v1/csat", params={"days": 7}).json()
    assert mine["overall"]["answers"] == 1
    assert agent.get("/api/v1/csat", params={"days": 0}).status_code == 422
