"""`GET /milestones?sort=risk`: highest stored breach risk first over the whole queue within
the caller's scope, the milestones without a figure after, in pages that neither repeat nor
skip; an unknown sort is a problem naming the allowed values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caseclock.clock import FixedClock
from caseclock.worker.insights import InsightsJob
from tests.api.conftest import Api, make_key
from tests.conftest import T0, Database
from tests.risk_models import store_model

SCORED_AT = T0 + timedelta(minutes=30)


def created(record: str, account: str, minutes: int) -> dict[str, Any]:
    return {
        "id": f"{record}:created",
        "record": record,
        "type": "created",
        "at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "data": {"account": account, "tier": "Gold", "status": "New"},
    }


def chased(record: str, times: int) -> list[dict[str, Any]]:
    """``times`` customer comments asking for news (they complete no milestone)."""
    return [
        {
            "id": f"{record}:chase-{n}",
            "record": record,
            "type": "comment",
            "at": (T0 + timedelta(minutes=10 + n)).isoformat(),
            "data": {"public": True, "author_role": "customer", "body": "Any news?"},
        }
        for n in range(times)
    ]


# record: (account, minutes after T0 it was opened, customer comments)
CASES = {
    "A-1": ("acme", 0, 1),
    "A-2": ("acme", 1, 3),
    "A-3": ("acme", 2, 0),
    "G-1": ("globex", 3, 4),
    "G-2": ("globex", 4, 2),
}
RISKIEST_FIRST = ["G-1", "A-2", "G-2", "A-1", "A-3"]  # by customer comments
BY_DEADLINE = ["A-1", "A-2", "A-3", "G-1", "G-2"]  # by opening


@pytest.fixture
def scored(agent: Api, db: Database, policy_applied: dict[str, Any], clock: FixedClock) -> None:
    """Five Gold cases (a first response and a resolution each) and a model that knows first
    responses only (its risk grows with the customer's comments; resolution has too little
    history, so no figure), scored and stored by the worker at ``SCORED_AT``."""
    clock.set(T0 + timedelta(minutes=20))
    events = [created(record, account, minutes) for record, (account, minutes, _) in CASES.items()]
    for record, (_, _, times) in CASES.items():
        events += chased(record, times)
    response = agent.post("/api/v1/events", json=events)
    assert response.status_code in (200, 201), response.text
    store_model(
        db,
        at=T0,
        history={"first_response": 40, "resolution": 10},
        coef={"customer_comments": 1.0},
        intercept=-3.0,
    )
    InsightsJob(session_factory=db.session_factory, age=timedelta(minutes=15)).run(SCORED_AT)
    clock.set(SCORED_AT)


def page(api: Api, **params: Any) -> list[tuple[str, str]]:
    response = api.get("/api/v1/milestones", params={"at_risk": "true", "sort": "risk", **params})
    assert response.status_code == 200, response.text
    return [(i["record"], i["milestone"]) for i in response.json()["items"]]


def test_highest_risk_first_then_the_unscored_by_deadline(agent: Api, scored: None) -> None:
    """The first responses come in order of their stored risk (the most chased case first),
    not of their deadlines; the resolutions, which have no figure, follow every scored row,
    soonest deadline first."""
    assert page(agent) == [
        *((record, "first_response") for record in RISKIEST_FIRST),
        *((record, "resolution") for record in BY_DEADLINE),
    ]
    assert page(agent, milestone="resolution") == [(r, "resolution") for r in BY_DEADLINE]
    by_deadline = agent.get("/api/v1/milestones", params={"milestone": "first_response"})
    assert [i["record"] for i in by_deadline.json()["items"]] == BY_DEADLINE


def test_pages_neither_repeat_nor_skip(agent: Api, scored: None) -> None:
    """Pages of three, the second running from the scored rows into the unscored ones, put
    together give the whole order; the counts are those of the whole queue."""
    whole = page(agent)
    pages = [page(agent, limit=3, offset=offset) for offset in range(0, 12, 3)]
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert [row for p in pages for row in p] == whole
    body = agent.get(
        "/api/v1/milestones", params={"at_risk": "true", "sort": "risk", "limit": 1}
    ).json()
    assert sum(body["counts"][k] for k in ("violated", "at_risk", "on_track", "paused")) == 10


def test_one_row_per_record_is_its_riskiest_milestone(agent: Api, scored: None) -> None:
    """`per_record=true` gives each record once, with its riskiest milestone (the scored first
    response, not the sooner-or-later resolution), riskiest record first, in pages."""
    rows = page(agent, per_record="true")
    assert rows == [(record, "first_response") for record in RISKIEST_FIRST]
    assert page(agent, per_record="true", limit=2, offset=2) == rows[2:4]
    assert page(agent, per_record="true", limit=2, offset=4) == rows[4:]


def test_a_scoped_key_sees_its_accounts_in_risk_order(
    client: TestClient, db: Database, clock: FixedClock, scored: None
) -> None:
    """A key limited to acme reads acme's milestones only, riskiest first, though globex's
    G-1 is the riskiest of the installation; its counts cover acme only."""
    acme = Api(client, make_key(db, clock, "viewer", accounts=["acme"]))
    acme_first = [r for r in RISKIEST_FIRST if r.startswith("A-")]
    assert page(acme, milestone="first_response") == [(r, "first_response") for r in acme_first]
    assert page(acme, limit=2, offset=2) == [("A-3", "first_response"), ("A-1", "resolution")]
    counts = acme.get("/api/v1/milestones", params={"at_risk": "true", "sort": "risk"}).json()
    assert sum(counts["counts"][k] for k in ("violated", "at_risk", "on_track", "paused")) == 6


def test_no_figure_at_all_is_the_deadline_order(
    agent: Api, policy_applied: dict[str, Any], clock: FixedClock
) -> None:
    """Before any model is trained, `sort=risk` answers the deadline order, page by page."""
    clock.set(T0 + timedelta(minutes=20))
    events = [created(record, account, minutes) for record, (account, minutes, _) in CASES.items()]
    assert agent.post("/api/v1/events", json=events).status_code in (200, 201)
    deadline = agent.get("/api/v1/milestones", params={"at_risk": "true", "sort": "deadline"})
    expected = [(i["record"], i["milestone"]) for i in deadline.json()["items"]]
    assert page(agent) == expected
    assert page(agent, limit=4, offset=4) == expected[4:8]


def test_an_unknown_sort_is_refused_naming_the_allowed_values(viewer: Api) -> None:
    """`sort=likelihood` answers a 422 problem naming the parameter and every allowed
    value."""
    response = viewer.get("/api/v1/milestones", params={"sort": "likelihood"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["path"] == "query.sort"
    for allowed in ("deadline", "time_left", "risk", "id"):
        assert f"'{allowed}'" in error["message"]


def test_openapi_lists_and_explains_the_sorts(client: TestClient) -> None:
    """The OpenAPI document gives `sort` its allowed values and says what `risk` orders by
    and where the milestones without a figure go."""
    schema = client.get("/openapi.json").json()
    parameters = schema["paths"]["/api/v1/milestones"]["get"]["parameters"]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert sort["schema"]["enum"] == ["deadline", "time_left", "risk", "id"]
    assert sort["schema"]["default"] == "deadline"
    assert "highest breach risk first" in sort["description"]
    assert "without a figure" in sort["description"]
