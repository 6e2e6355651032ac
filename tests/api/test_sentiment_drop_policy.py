"""``sentiment_drop`` in a policy applied through the API: checked when applied, and a
customer whose mood falls starts the milestone that warns and escalates."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import POLICY, Api

WIN_BACK = """        target: 24h
      - key: win_back
        name: Win the customer back
        start: {on: sentiment_drop, within: WITHIN}
        complete: {on: comment, public: true, author_role: agent}
        target: 2h
"""


def _bundle(within: str) -> str:
    marker = "        target: 24h\n"
    assert POLICY.count(marker) >= 1
    return POLICY.replace(marker, WIN_BACK.replace("WITHIN", within), 1)


def _apply(admin: Api, text: str) -> tuple[int, dict[str, Any]]:
    response = admin.client.post(
        "/api/v1/policy",
        content=text,
        headers={**admin.headers, "Content-Type": "application/yaml"},
    )
    return response.status_code, response.json()


def test_a_bad_drop_is_refused_at_apply_and_nothing_is_stored(admin: Api) -> None:
    """``within: 0`` answers 422 naming the condition's path and why; no process is stored."""
    status, body = _apply(admin, _bundle("0"))
    assert status == 422
    [error] = body["errors"]
    assert error["path"].startswith("processes.gold.milestones[2].start")
    assert "'within' from 1 to 20" in error["message"]
    assert admin.get("/api/v1/processes").json() == []


def test_a_falling_mood_starts_the_milestone_with_its_warning(admin: Api) -> None:
    """Applied, the drop starts ``win_back`` at the customer's angry comment after a happy
    one; its warning instant is set, so the worker fires it on time."""
    status, _ = _apply(admin, _bundle("3"))
    assert status == 200
    events = [
        {
            "id": "e1",
            "record": "C-9",
            "type": "created",
            "at": "2026-03-03T09:00:00-05:00",
            "data": {"type": "case", "status": "New", "tier": "Gold", "process": "gold"},
        },
        {
            "id": "e2",
            "record": "C-9",
            "type": "comment",
            "at": "2026-03-03T09:10:00-05:00",
            "data": {"public": True, "author_role": "customer", "body": "Thanks, great work!"},
        },
        {
            "id": "e3",
            "record": "C-9",
            "type": "comment",
            "at": "2026-03-03T09:30:00-05:00",
            "data": {
                "public": True,
                "author_role": "customer",
                "body": "This is terrible and awful, nothing works and we are furious.",
            },
        },
    ]
    response = admin.post("/api/v1/events", json=events)
    assert response.status_code in (200, 207), response.text
    record = admin.get("/api/v1/records/C-9").json()
    [win_back] = [m for m in record["milestones"] if m["key"] == "win_back"]
    assert win_back["started_at"] == "2026-03-03T09:30:00-05:00"
    assert win_back["warning_at"] is not None
