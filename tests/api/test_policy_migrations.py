"""Migrations and holidays on the API: a holiday previewed and added to open clocks, refused
when it cannot be, the migration's state and resumption, and the version a kept cycle ran
under in a record's milestones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.conftest import POLICY, Api
from tests.conftest import T0

HOLIDAY = {"dates": ["2026-03-10"]}  # Tuesday; T0 is Monday 10:00 in New York


def _event(record: str, kind: str, at: timedelta, **data: Any) -> dict[str, Any]:
    return {
        "id": f"{record}-{kind}",
        "record": record,
        "type": kind,
        "at": (T0 - at).isoformat(),
        "data": data,
    }


def _open_cases(agent: Api) -> None:
    """C-1 (Gold) unanswered for an hour; C-2 (Gold) answered after 45 minutes."""
    events = [
        _event("C-1", "created", timedelta(hours=1), tier="Gold", priority="P2"),
        _event("C-2", "created", timedelta(hours=2), tier="Gold", priority="P2"),
        _event("C-2", "comment", timedelta(hours=1, minutes=15), public=True, author_role="agent"),
    ]
    for item in events:
        assert agent.post("/api/v1/events", json=item).status_code in (200, 201)


def _deadline(admin: Api, record: str, key: str) -> Any:
    found = admin.get(f"/api/v1/records/{record}/milestones").json()["milestones"]
    return next(m for m in found if m["key"] == key)


def test_a_holiday_previewed_then_added_to_the_open_clocks(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Tuesday becomes a holiday on us-east: the preview moves C-1's resolution a day later;
    added with ``migrate=open``, the calendar is at version 2, C-1 counts on it and its
    deadline moved; the migration is finished."""
    _open_cases(agent)
    before = _deadline(admin, "C-1", "resolution")
    preview = admin.post("/api/v1/calendars/us-east/holidays/preview", json=HOLIDAY)
    assert preview.status_code == 200, preview.text
    assert preview.json()["later"] >= 1
    assert not admin.get("/api/v1/calendars/us-east").json()["document"].get("holidays")
    added = admin.post("/api/v1/calendars/us-east/holidays?migrate=open", json=HOLIDAY)
    assert added.status_code == 200, added.text
    body = added.json()
    assert body["calendars"] == [{"name": "us-east", "changed": True}]
    assert body["migration"]["finished"] is True
    assert body["migrated"] == 2
    calendar = admin.get("/api/v1/calendars/us-east").json()["document"]
    assert calendar["holidays"] == ["2026-03-10"]
    after = _deadline(admin, "C-1", "resolution")
    assert (after["calendar_version"], before["calendar_version"]) == (2, 1)
    assert after["deadline"] > before["deadline"]
    state = admin.get("/api/v1/policy/migration").json()
    assert (state["finished"], state["remaining"], state["moved"]) == (True, 0, 2)


def test_holidays_that_cannot_be_added_change_nothing(
    admin: Api, policy_applied: dict[str, Any]
) -> None:
    """A past or present date, a day already a holiday, an unknown calendar, an unknown
    field: refused with a problem naming it, and the calendar stays as it was."""
    for body, status, words in (
        ({"dates": ["2026-03-09"]}, 422, "not in the future"),
        ({"dates": ["2026-01-01"]}, 422, "not in the future"),
        ({"dates": []}, 422, "dates"),
        ({"dates": ["2026-03-10"], "migrate": "open"}, 422, "migrate"),
        ({"dates": ["soon"]}, 422, "dates"),
    ):
        answer = admin.post("/api/v1/calendars/us-east/holidays", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.text, answer.text
    missing = admin.post("/api/v1/calendars/nowhere/holidays", json=HOLIDAY)
    assert missing.status_code == 404
    bad_choice = admin.post("/api/v1/calendars/us-east/holidays?migrate=some", json=HOLIDAY)
    assert bad_choice.status_code == 422
    assert admin.post("/api/v1/calendars/us-east/holidays", json=HOLIDAY).status_code == 200
    again = admin.post("/api/v1/calendars/us-east/holidays", json=HOLIDAY)
    assert again.status_code == 422
    assert "already a holiday" in again.text


def test_migration_state_and_resume_say_when_there_is_none(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Before any migration both answer 404; agents may not look."""
    assert admin.get("/api/v1/policy/migration").status_code == 404
    assert admin.post("/api/v1/policy/migration/resume").status_code == 404
    assert agent.get("/api/v1/policy/migration").status_code == 403


def test_a_kept_cycle_says_the_version_it_ran_under(
    admin: Api, agent: Api, policy_applied: dict[str, Any]
) -> None:
    """Gold's first response cut to 30 minutes, open cases moved in batches of one: C-2's
    answer after 45 minutes was decided under version 1, kept on time, and its milestones say
    so (``kept_version``); C-1's open cycle runs on version 2."""
    _open_cases(agent)
    shorter = POLICY.replace("target: 4h", "target: 30m", 1)
    applied = admin.client.post(
        "/api/v1/policy?migrate=open&batch_size=1",
        content=shorter,
        headers={**admin.headers, "Content-Type": "application/yaml"},
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["migrated"] == 2
    kept = _deadline(admin, "C-2", "first_response")
    assert (kept["kept_version"], kept["late"], kept["state"]) == (1, False, "completed")
    running = _deadline(admin, "C-1", "first_response")
    assert (running["kept_version"], running["state"]) == (None, "violated")
