"""Input the API refuses with a clear 4xx problem, storing nothing: sizes beyond the documented
limits, control characters in single-line text, record ids that cannot round-trip in a URL,
visibility other than true/false, blank public comments, events from the future or from
before their record existed, oversized and unreadable bodies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.store import limits
from tests.api.conftest import POLICY, Api, make_key
from tests.conftest import T0, Database


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def created(record: str = "C-1", **data: Any) -> dict[str, Any]:
    return {
        "id": f"{record}:created",
        "record": record,
        "type": "created",
        "at": at(0),
        "data": {"account": "acme", "tier": "Gold", "status": "New", **data},
    }


def event(kind: str, data: dict[str, Any], minutes: float = 0) -> dict[str, Any]:
    return {"id": f"e-{kind}", "record": "C-1", "type": kind, "at": at(minutes), "data": data}


def refused(api: Api, body: Any, path: str) -> str:
    """POST one event: a 422 naming ``path``; return its message."""
    response = api.post("/api/v1/events", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["path"] for e in errors] == [path], errors
    return str(errors[0]["message"])


def post_text(api: Api, url: str, text: str) -> Any:
    """POST ``text`` as it is, as JSON."""
    headers = {**api.headers, "Content-Type": "application/json"}
    return api.client.post(url, content=text, headers=headers)


def timeline(api: Api, record: str = "C-1") -> list[str]:
    return [e["id"] for e in api.get(f"/api/v1/records/{record}/events").json()]


@pytest.fixture
def record(agent: Api, policy_applied: dict[str, Any]) -> Api:
    """Record C-1 of account acme on the gold process, created at T0."""
    response = agent.post("/api/v1/events", json=created())
    assert response.status_code == 200, response.text
    return agent


# --- sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "path", "limit"),
    [
        ("created", {"subject": "s" * 501}, "data.subject", limits.SUBJECT),
        (
            "comment",
            {"public": False, "author_role": "agent", "body": "b" * 65_537},
            "data.body",
            limits.BODY,
        ),
        ("note", {"body": "n" * 65_537}, "data.body", limits.BODY),
        ("owner", {"owner": "o" * 201}, "data.owner", 200),
        ("status", {"status": "s" * 201}, "data.status", 200),
        ("task", {"title": "t" * 501}, "data.title", 500),
    ],
    ids=["subject", "comment", "note", "owner", "status", "task"],
)
def test_free_text_beyond_its_limit_is_refused(
    record: Api, kind: str, data: dict[str, Any], path: str, limit: int
) -> None:
    """Each free-text field has a documented limit; one character more answers 422 naming the
    field and the limit, and nothing is stored."""
    body = (
        {**created("C-2"), "data": {**created()["data"], **data}}
        if kind == "created"
        else event(kind, data)
    )
    message = refused(record, body, path)
    assert f"at most {limit} characters" in message
    assert timeline(record) == ["C-1:created"]
    assert record.get("/api/v1/records/C-2").status_code == 404


def test_free_text_at_its_limit_is_kept(record: Api) -> None:
    """A subject of exactly 500 characters and a comment of exactly 64 KiB are kept whole."""
    body = "b" * limits.BODY
    response = record.post(
        "/api/v1/events",
        json=[
            created("C-2", subject="s" * limits.SUBJECT),
            event("comment", {"public": False, "author_role": "agent", "body": body}),
        ],
    )
    assert response.json()["accepted"] == 2, response.text
    assert record.get("/api/v1/records/C-2").json()["fields"]["subject"] == "s" * 500
    stored = record.get("/api/v1/records/C-1/events").json()[-1]
    assert stored["data"]["body"] == body


def test_an_event_of_more_than_128_kib_is_refused(record: Api) -> None:
    """An event's data beyond 128 KiB as JSON (here many custom fields) answers 422."""
    fields = {f"f{i}": "x" * 1000 for i in range(140)}
    message = refused(record, {**created("C-2"), "data": {**created()["data"], **fields}}, "data")
    assert f"at most {limits.EVENT_DATA} characters" in message


def test_a_body_over_2_mib_answers_413_and_nothing_is_stored(record: Api) -> None:
    """A request body over 2 MiB answers 413 problem details before any of it is processed."""
    events = [
        {**event("note", {"body": "n" * 60_000}), "id": f"n{i}"} for i in range(40)
    ]  # each event within its own limits, the whole over 2 MiB
    text = json.dumps(events)
    assert len(text) > limits.REQUEST_BYTES
    response = post_text(record, "/api/v1/events", text)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "2,097,152 bytes" in response.json()["detail"]
    assert timeline(record) == ["C-1:created"]


# --- single-line text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "path"),
    [
        ("owner", {"owner": "ana\r\nBcc: all@example.com"}, "data.owner"),
        ("owner", {"team": "L2\n"}, "data.team"),
        ("status", {"status": "Open\x1b[31m"}, "data.status"),
        (
            "field",
            {"field": "csm_email", "value": "x@example.com\r\nBcc: y@example.com"},
            "data.value",
        ),
        ("comment", {"public": True, "author_role": "agent", "author": "a\nb"}, "data.author"),
        ("task", {"title": "Call\u2028back"}, "data.title"),
    ],
    ids=["owner-crlf", "team-lf", "status-esc", "field-email", "author", "title-u2028"],
)
def test_control_characters_in_single_line_text_are_refused(
    record: Api, kind: str, data: dict[str, Any], path: str
) -> None:
    """CR, LF and other control characters in single-line text (owners, teams, statuses, custom
    fields that may be addresses) answer 422: such text never reaches an email header."""
    message = refused(record, event(kind, data), path)
    assert "control character" in message
    assert timeline(record) == ["C-1:created"]


def test_subject_and_created_fields_are_single_line(record: Api) -> None:
    """A created event with a line break in its subject or a custom field is refused."""
    refused(record, created("C-2", subject="Help\r\nX-Injected: 1"), "data.subject")
    refused(record, created("C-3", csm="ana@example.com\n"), "data.csm")
    assert record.get("/api/v1/records/C-2").status_code == 404


def test_bodies_keep_their_line_breaks(record: Api) -> None:
    """Multi-line text (comment and note bodies) keeps line breaks and tabs."""
    text = "Line one\r\n\tLine two\n"
    response = record.post("/api/v1/events", json=event("note", {"body": text}))
    assert response.status_code == 200, response.text
    assert record.get("/api/v1/records/C-1").json()["notes"][0]["body"] == text


def test_a_contact_email_with_a_line_break_is_refused(agent: Api) -> None:
    """A contact's email holding CR/LF answers 422 naming it; no contact is stored."""
    agent.post("/api/v1/accounts", json={"id": "acme", "name": "Acme"})
    response = agent.post(
        "/api/v1/contacts",
        json={"id": "k1", "account": "acme", "name": "Kim", "email": "kim@acme.test\r\nBcc: x"},
    )
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["email"]
    assert agent.get("/api/v1/accounts/acme").status_code == 200


# --- record ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["a/b", "a%2Fb", "a b", "a?b", "a#b", "..", ".", "caf\u00e9", "a\\b"]
)
def test_record_ids_that_cannot_round_trip_in_a_url_are_refused(agent: Api, bad: str) -> None:
    """A record id is one URL path segment as it is: '/', '%', spaces, '?', '#', '.', '..' and
    non-ASCII are refused, on POST /records (path ``id``) and POST /events (``record``)."""
    response = agent.post("/api/v1/records", json={"id": bad})
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["id"]
    assert "a record id is letters, digits" in response.json()["errors"][0]["message"]
    refused(agent, {**created(), "record": bad}, "record")
    assert agent.get("/api/v1/records").json() == []


def test_a_record_id_of_the_allowed_alphabet_round_trips(agent: Api) -> None:
    """An id using every allowed punctuation mark is stored and read back at its URL."""
    record_id = "ACME:C-1.2_3~x@y!$&'()*+,;="
    assert agent.post("/api/v1/records", json={"id": record_id}).status_code == 201
    response = agent.get(f"/api/v1/records/{quote(record_id, safe=limits.RECORD_ID_SAFE)}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == record_id


# --- visibility and blank comments -------------------------------------------------------------


@pytest.mark.parametrize("public", ["internal", "public", "yes", "true", 1, 0, None])
def test_visibility_is_true_or_false(record: Api, public: Any) -> None:
    """A comment's ``public`` is JSON true or false; any other value answers 422."""
    refused(record, event("comment", {"public": public, "author_role": "agent"}), "data.public")


@pytest.mark.parametrize("body", ["", "   ", "\n\t "])
def test_a_blank_public_comment_is_refused_and_completes_nothing(record: Api, body: str) -> None:
    """A public agent comment whose body is given but blank is refused; first response stays
    running (a comment sent without a body, text withheld by the helpdesk, still counts)."""
    refused(
        record,
        event("comment", {"public": True, "author_role": "agent", "body": body}),
        "data.body",
    )
    first = record.get("/api/v1/records/C-1/milestones").json()["milestones"][0]
    assert (first["key"], first["state"]) == ("first_response", "running")


# --- instants ----------------------------------------------------------------------------------


def test_an_event_from_beyond_the_clock_skew_allowance_is_refused(record: Api) -> None:
    """An event dated more than 5 minutes after its arrival answers 422 saying so; one within
    the allowance is accepted."""
    message = refused(record, event("status", {"status": "Closed"}, minutes=5.5), "at")
    assert "is in the future" in message
    ok = record.post("/api/v1/events", json=event("status", {"status": "Pending"}, minutes=4.5))
    assert ok.status_code == 200, ok.text


def test_an_event_within_the_allowance_is_placed_at_its_arrival(record: Api) -> None:
    """An event dated 4 minutes ahead (the sender's clock is fast) is stored at the instant it
    arrived, so the record's status and its milestones change together, now."""
    body = event("comment", {"public": True, "author_role": "agent"}, minutes=4)
    assert record.post("/api/v1/events", json=body).status_code == 200
    stored = record.get("/api/v1/records/C-1/events").json()[-1]
    assert datetime.fromisoformat(stored["at"]) == T0
    first = record.get("/api/v1/records/C-1/milestones").json()["milestones"][0]
    assert (first["key"], first["state"]) == ("first_response", "completed")


def test_a_closed_event_dated_2099_leaves_the_record_open(record: Api) -> None:
    """A status change dated in 2099 is refused: the record does not show as closed now while
    its milestones run."""
    body = {**event("closed", {"status": "Closed"}), "at": "2099-01-01T00:00:00Z"}
    refused(record, body, "at")
    shown = record.get("/api/v1/records/C-1").json()
    assert (shown["status"], shown["closed"]) == ("New", False)
    assert record.get("/api/v1/records", params={"state": "open"}).json()[0]["id"] == "C-1"


def test_the_clock_skew_allowance_is_a_setting(
    db: Database, clock: FixedClock, policy_applied: dict[str, Any]
) -> None:
    """CASECLOCK_CLOCK_SKEW_SECONDS sets the allowance: with 0, a second ahead is refused."""
    app = create_app(
        Settings(database_url=db.url, clock_skew_seconds=0),
        clock=clock,
        engine=db.engine,
        session_factory=db.session_factory,
    )
    with TestClient(app) as client:
        api = Api(client, make_key(db, clock, "agent"))
        response = api.post("/api/v1/events", json={**created(), "at": at(1 / 60)})
        assert response.status_code == 422, response.text
        assert api.post("/api/v1/events", json=created()).status_code == 200


def test_an_event_before_its_record_was_created_is_refused(record: Api) -> None:
    """An event dated before the record's created event answers 422 (not accepted and then
    ignored); in a batch, against the batch's own created event too."""
    message = refused(record, event("comment", {"public": True, "author_role": "agent"}, -1), "at")
    assert "before the record was created" in message
    batch = [
        {**created("C-2"), "at": at(-10)},
        {**event("status", {"status": "Pending"}, minutes=-15), "record": "C-2"},
    ]
    results = record.post("/api/v1/events", json=batch).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert timeline(record) == ["C-1:created"]


# --- unreadable bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"id": ' + "9" * 5000 + "}"],
    ids=["deep", "huge-integer"],
)
def test_deep_nesting_and_huge_integers_answer_422(agent: Api, text: str) -> None:
    """A body nested deeper than the reader goes, or holding an integer of more than 4,300
    digits, answers 422 'invalid JSON' problem details, as any malformed body does (not 400)."""
    for url in ("/api/v1/events", "/api/v1/records", "/api/v1/accounts"):
        response = post_text(agent, url, text)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["errors"][0]["message"].startswith("invalid JSON")


# --- statuses ----------------------------------------------------------------------------------

STATUSES = "    statuses: [New, Investigating, Waiting for Customer, Closed]\n"


def with_statuses(admin: Api, extra: str = "") -> None:
    """The API test policy with gold declaring its statuses."""
    text = POLICY.replace("    name: Gold\n", "    name: Gold\n" + STATUSES + extra, 1)
    headers = {**admin.headers, "Content-Type": "application/yaml"}
    response = admin.client.post("/api/v1/policy", content=text, headers=headers)
    assert response.status_code == 200, response.text


def test_a_status_the_process_does_not_declare_is_refused(admin: Api, agent: Api) -> None:
    """With gold declaring its statuses, a status event, a closed event, a field event and a
    created event naming another status answer 422 listing the statuses; nothing is stored."""
    with_statuses(admin)
    assert agent.post("/api/v1/events", json=created()).status_code == 200
    message = refused(agent, event("status", {"status": "Investigatng"}), "data.status")
    assert "'Investigatng' is not a status of process gold" in message
    assert "Investigating" in message
    refused(agent, event("closed", {"status": "Done"}), "data.status")
    refused(agent, event("field", {"field": "status", "value": "Done"}), "data.value")
    refused(agent, created("C-2", status="Brand new"), "data.status")
    assert agent.get("/api/v1/records/C-2").status_code == 404
    assert timeline(agent) == ["C-1:created"]
    ok = agent.post("/api/v1/events", json=event("status", {"status": "Investigating"}))
    assert ok.status_code == 200, ok.text


def test_an_installation_with_free_statuses_keeps_them_flagged(admin: Api, agent: Api) -> None:
    """With ``unknown_statuses: flag`` an undeclared status is stored, and the answer flags it
    in ``warnings``."""
    with_statuses(admin, "    unknown_statuses: flag\n")
    agent.post("/api/v1/events", json=created())
    response = agent.post("/api/v1/events", json=event("status", {"status": "On hold"}))
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["status"] == "accepted"
    assert "'On hold' is not a status of process gold" in result["warnings"][0]
    assert agent.get("/api/v1/records/C-1").json()["status"] == "On hold"


def test_a_process_without_statuses_takes_any(agent: Api, policy_applied: dict[str, Any]) -> None:
    """A process that declares no statuses takes any status, unflagged (as before)."""
    agent.post("/api/v1/events", json=created())
    response = agent.post("/api/v1/events", json=event("status", {"status": "Whatever"}))
    assert response.json()["results"][0]["warnings"] == []


def test_closed_statuses_must_be_declared(admin: Api) -> None:
    """A process whose closed_statuses are not among its statuses is refused at apply."""
    text = POLICY.replace(
        "    name: Gold\n", "    name: Gold\n" + STATUSES.replace(", Closed", ""), 1
    )
    headers = {**admin.headers, "Content-Type": "application/yaml"}
    response = admin.client.post("/api/v1/policy", content=text, headers=headers)
    assert response.status_code == 422, response.text
    assert "closed_statuses: 'Closed' is not among statuses" in response.text
