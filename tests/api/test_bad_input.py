"""A robustness sweep: malformed input to every API endpoint answers a 4xx problem and stores
nothing.

Each test sends one endpoint many bad values for each of its fields or parameters (wrong JSON
types, missing or unknown fields, empty, over-long, NUL and odd characters, naive or
out-of-range instants, huge numbers, deep nesting) and checks: a 4xx (never a 500),
``application/problem+json`` with ``errors`` on a 422, and nothing stored: the row counts of
every table, and the account ``acme`` that PATCH aims at, unchanged.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from caseclock.store.models.base import Base
from tests.api.conftest import Api
from tests.conftest import Database

LONG = "x" * 10_000
NUL = "a\u0000b"
HUGE = 10**30


class Deep:
    """A value nested 100,000 lists deep (the test client could not encode it)."""

    TEXT = "[" * 100_000 + "]" * 100_000


DEEP = Deep()

# Bad for any string field: wrong types, and what no column can hold.
NOT_TEXT = [5, 1.5, True, {}, [], {"a": 1}, LONG, NUL]
# Bad for a required string (ids, names): the above, null and empty.
NOT_NAME = [None, "", *NOT_TEXT]
NOT_DATE = ["2026-13-01", "0000-01-01", "10000-01-01", "yesterday", "", {}, [], NUL]
NOT_INSTANT = [
    "2026-03-09T10:00:00",  # naive
    "2026-03-09",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-05:00",  # past year 9999 in UTC
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T12:00:00Z",  # deadlines after it overflow
    "now",
    {},
    NUL,
]
NOT_DOCUMENT = ["x", 5, [], [1], {"k": NUL}, {NUL: 1}, {"deep": DEEP}]

ACCOUNT = {"id": "a1", "name": "Acme One", "tier": "Gold", "start_date": "2026-01-01"}
RECORD = {"id": "R-1", "account": "acme", "status": "New", "priority": "P2"}
EVENT = {"id": "e-1", "record": "C-1", "type": "comment", "at": "2026-03-09T14:00:00Z"}
COMMENT = {"public": True, "author_role": "agent"}


def endpoint(
    role: str,
    url: str,
    base: dict[str, Any],
    fields: dict[str, list[Any]],
    *,
    method: str = "post",
    whole: tuple[Any, ...] = (),
) -> Any:
    """One test: ``whole`` bodies, then ``base`` with each field set to each of its values,
    without it when it is required (its values hold null), and with an unknown field."""
    bodies = [*whole, {**base, "surprise": 1}]
    for name, values in fields.items():
        bodies += [{**base, name: value} for value in values]
        if None in values and method == "post":
            bodies.append({k: v for k, v in base.items() if k != name})
    return pytest.param(role, method, url, bodies, id=f"{method}-{url}")


def event(kind: str, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**EVENT, "type": kind, "data": d} for d in data]


BODY_CASES = [
    endpoint(
        "agent",
        "/accounts",
        ACCOUNT,
        {
            "id": [*NOT_NAME, "ä" * 201],
            "name": NOT_NAME,
            "tier": NOT_TEXT,
            "start_date": NOT_DATE,
            "renewal_date": [*NOT_DATE, "2025-12-31"],  # before the start
            "fields": NOT_DOCUMENT,
        },
        whole=(None, [], "x", 5, [ACCOUNT], {"account": ACCOUNT}, DEEP),
    ),
    endpoint(
        "agent",
        "/accounts/acme",
        {"tier": "Gold"},
        {"name": NOT_NAME, "region": NOT_TEXT, "start_date": NOT_DATE, "fields": NOT_DOCUMENT},
        method="patch",
        whole=(None, [], "x"),
    ),
    endpoint(
        "agent",
        "/entitlements",
        {"account": "acme", "process": "gold"},
        {
            "account": NOT_NAME,
            "process": [*NOT_NAME, "nope"],
            "name": NOT_TEXT,
            "valid_from": NOT_DATE,
            "valid_to": NOT_DATE,
            "contact": [*NOT_TEXT, "nobody"],
            "asset": [*NOT_TEXT, "nothing"],
        },
        whole=(
            {
                "account": "acme",
                "process": "gold",
                "valid_to": "2026-12-31",
                "valid_from": "2027-01-01",
            },
        ),
    ),
    endpoint(
        "agent",
        "/contacts",
        {"id": "c1", "account": "acme", "name": "Ann"},
        {"id": NOT_NAME, "account": [*NOT_NAME, "nope"], "name": NOT_NAME, "email": NOT_TEXT},
    ),
    endpoint(
        "agent",
        "/assets",
        {"id": "s1", "account": "acme", "name": "Box"},
        {"id": NOT_NAME, "account": NOT_NAME, "name": NOT_NAME, "product": NOT_TEXT},
    ),
    endpoint(
        "agent",
        "/records",
        RECORD,
        {
            "id": [*NOT_NAME, "C-1"],  # C-1 exists
            **dict.fromkeys(("status", "priority", "owner", "team", "tier", "type"), NOT_TEXT),
            **dict.fromkeys(("account", "region", "product", "event_id"), NOT_TEXT),
            "process": [*NOT_TEXT, "nope"],
            "fields": NOT_DOCUMENT,
            "at": NOT_INSTANT,
        },
        whole=(None, [], "x", [RECORD], DEEP),
    ),
    endpoint(
        "agent",
        "/events",
        {**EVENT, "data": COMMENT},
        {
            "id": NOT_NAME,
            "record": [*NOT_NAME, "nope"],
            "type": [*NOT_NAME, "explode"],
            "at": NOT_INSTANT,
            "data": [*NOT_DOCUMENT, {"public": "yes"}],
        },
        whole=(None, [], {"events": []}, {"events": "x"}, [5], "x", 5, DEEP),
    ),
    endpoint(
        "agent",
        "/events",
        EVENT,
        {},
        whole=(
            [{**EVENT, "data": COMMENT}] * 1001,
            *event("status", [{"status": v} for v in NOT_NAME]),
            *event("owner", [{"owner": v} for v in NOT_TEXT]),
            *event("priority", [{"priority": v} for v in NOT_NAME]),
            *event("field", [{"field": "f", "value": v} for v in [NUL, {NUL: 1}, DEEP]]),
            *event("field", [{"field": "status", "value": LONG}]),
            *event("note", [{"body": v} for v in NOT_NAME if v != LONG]),
            *event("note", [{"body": "b", "author": v} for v in NOT_TEXT]),
            *event("task", [{"title": v} for v in NOT_NAME]),
            *event("task", [{"title": "t", "due": v} for v in NOT_INSTANT]),
            *event(
                "override",
                [
                    {"milestone": "resolution", "by": "lee", "reason": "r", **change}
                    for change in list[dict[str, object]](
                        [
                            {"extend": "forever"},
                            {"extend": f"{HUGE}h"},
                            {"shorten": f"{HUGE}d"},
                            {"pause_until": "2026-03-10T09:00:00"},
                            {"pause_until": "9999-12-31T23:59:59-05:00"},
                            {"extend": "4h", "pause": True},
                        ]
                    )
                ],
            ),
        ),
    ),
    endpoint(
        "admin",
        "/apikeys",
        {"role": "agent"},
        {
            "role": [*NOT_NAME, "root", "ADMIN"],
            "name": NOT_TEXT,
            "accounts": ["acme", [5], [NUL], [None], {}],
        },
    ),
    endpoint(
        "admin",
        "/endpoints",
        {"name": "ops", "kind": "webhook", "url": "http://h/"},
        {
            "name": NOT_NAME,
            "kind": [*NOT_NAME, "pager"],
            "url": NOT_NAME,
            "secret": [*NOT_TEXT, "short"],
        },
    ),
    endpoint(
        "admin",
        "/calendars",
        {"name": "c", "timezone": "UTC", "always_open": True},
        {
            "name": [*NOT_NAME, "us-east", "a b"],
            "timezone": [*NOT_NAME, "Mars/Base"],
            "always_open": ["maybe", None, []],
            "week": [*NOT_DOCUMENT, {"mon": [["09:00", "25:00"]]}],
            "holidays": [["2026-02-30"], ["10000-01-01"], "x", [NUL]],
        },
        whole=(None, [], "x", DEEP),
    ),
]


@pytest.fixture
def world(admin: Api, agent: Api, policy_applied: dict[str, Any]) -> None:
    """The account ``acme`` and the record ``C-1``, for requests that refer to them."""
    response = agent.post("/api/v1/accounts", json={"id": "acme", "name": "Acme", "tier": "Gold"})
    assert response.status_code == 201, response.text
    response = agent.post("/api/v1/records", json={"id": "C-1", "account": "acme"})
    assert response.status_code == 201, response.text


def counts(db: Database) -> dict[str, int]:
    with db.session_factory() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def assert_problem(response: Any, sent: Any) -> None:
    shown = repr(sent)[:200]
    assert 400 <= response.status_code < 500, f"{shown} -> {response.status_code} {response.text}"
    assert response.headers["content-type"] == "application/problem+json", shown
    body = response.json()
    assert body["status"] == response.status_code
    if response.status_code == 422:
        assert body["errors"], f"{shown}: {body}"


def send(api: Api, method: str, url: str, body: Any) -> Any:
    text = json.dumps(body, default=lambda _: "@deep@").replace('"@deep@"', Deep.TEXT)
    headers = {**api.headers, "Content-Type": "application/json"}
    return api.client.request(method, f"/api/v1{url}", content=text.encode(), headers=headers)


@pytest.mark.parametrize(("role", "method", "url", "bodies"), BODY_CASES)
def test_bad_body_is_a_problem_and_stores_nothing(
    *,
    request: pytest.FixtureRequest,
    db: Database,
    world: None,
    role: str,
    method: str,
    url: str,
    bodies: list[Any],
) -> None:
    """Every malformed body answers a 4xx problem; no table gains or loses a row, and no
    account changes."""
    api: Api = request.getfixturevalue(role)
    before = (counts(db), api.get("/api/v1/accounts/acme").json())
    for body in bodies:
        response = send(api, method, url, body)
        assert_problem(response, body)
    assert (counts(db), api.get("/api/v1/accounts/acme").json()) == before


QUERY_CASES = [
    ("viewer", "/accounts", {"limit": [0, 501, HUGE, "x"], "offset": [-1, HUGE, "1.5"]}),
    (
        "viewer",
        "/records",
        {
            "limit": [0, HUGE],
            "offset": [-1, HUGE],
            "state": ["ajar", ""],
            "entitlement": ["present"],
            "owner": [NUL],
            "status": [NUL],
        },
    ),
    ("viewer", "/records/C-1/events", {"limit": [0, 1001, HUGE], "offset": [-1, HUGE]}),
    (
        "viewer",
        "/milestones",
        {
            "state": ["late", ""],
            "at_risk": ["maybe", HUGE],
            "sort": ["random"],
            "limit": [-1, HUGE],
            "offset": [HUGE],
            "team": [NUL],
        },
    ),
    (
        "admin",
        "/deliveries",
        {"state": ["lost"], "limit": [HUGE], "offset": [HUGE], "record": [NUL]},
    ),
    ("viewer", "/processes/gold", {"version": [0, -1, HUGE, "x", "1e3"]}),
]


@pytest.mark.parametrize(("role", "url", "params"), QUERY_CASES, ids=[c[1] for c in QUERY_CASES])
def test_bad_query_parameter_is_a_problem(
    request: pytest.FixtureRequest, world: None, role: str, url: str, params: dict[str, list[Any]]
) -> None:
    """Out-of-range numbers (10**30 overflows the database's integers), unknown enum values
    and NUL in a query parameter answer 4xx problems."""
    api: Api = request.getfixturevalue(role)
    for name, values in params.items():
        for value in values:
            response = api.get(f"/api/v1{url}", params={name: value})
            assert_problem(response, {name: value})


ODD_IDS = [LONG, NUL, "a b", "ä€😀", "a/b", "%", str(HUGE), "-1"]
PATHS = [
    ("viewer", "get", "/accounts/{}"),
    ("viewer", "get", "/accounts/{}/entitlements"),
    ("agent", "patch", "/accounts/{}"),
    ("viewer", "get", "/records/{}"),
    ("viewer", "get", "/records/{}/events"),
    ("viewer", "get", "/records/{}/milestones"),
    ("viewer", "get", "/calendars/{}"),
    ("viewer", "get", "/processes/{}"),
    ("admin", "post", "/deliveries/{}/retry"),
]


def test_odd_ids_in_paths_are_problems(
    request: pytest.FixtureRequest, db: Database, world: None
) -> None:
    """Ids nobody has (over-long, NUL, spaces, slashes, unicode, huge numbers) answer 4xx."""
    apis: dict[str, Api] = {role: request.getfixturevalue(role) for role, _, _ in PATHS}
    before = counts(db)
    for role, method, template in PATHS:
        api = apis[role]
        for odd in ODD_IDS:
            url = template.format(quote(odd, safe=""))
            body = {"tier": "Gold"} if method == "patch" else None
            response = send(api, method, url, body)
            assert_problem(response, url)
    assert counts(db) == before


YAML = {"Content-Type": "application/yaml"}
CALENDAR = "calendars:\n  - {name: c, timezone: UTC, always_open: true}\n"
PROCESS = "processes:\n  p: {name: P, milestones: [{key: m, start: {on: created}, target: %s}]}\n"
BUNDLES = [
    b"",
    b"   \n",
    b"\xff\xfe\x00bad",
    b"[]\n",
    b"- a\n",
    b"calendars: 5\n",
    b"{",
    b"a: &a [*a]\n",
    b"a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b]\n",
    b"!!python/object/apply:os.system ['true']\n",
    b"calendars: []\x00\n",
    b"[" * 100_000,
    b'{"calendars": [{"name": "a\\u0000b", "timezone": "UTC", "always_open": true}]}',
    CALENDAR.replace("UTC", LONG).encode(),
    CALENDAR.replace("UTC", "Mars/Base").encode(),
    CALENDAR.replace("name: c", f"name: {LONG}").encode(),
    (PROCESS % "4h").replace("p:", f"{LONG}:").encode(),
    (PROCESS % f"{HUGE}h").encode(),
    (PROCESS % f"{HUGE}d").encode(),
    (PROCESS % "-4h").encode(),
]


def test_bad_policy_bundle_is_a_problem_and_applies_nothing(admin: Api, db: Database) -> None:
    """Broken YAML or JSON, YAML tags and alias loops, NUL, non-UTF-8 and bundles whose names,
    zones or targets no store or clock can hold answer 4xx problems; nothing is applied."""
    before = counts(db)
    for bundle in BUNDLES:
        response = admin.client.post(
            "/api/v1/policy", content=bundle, headers={**admin.headers, **YAML}
        )
        assert_problem(response, bundle)
    assert counts(db) == before


@pytest.mark.parametrize("content_type", ["Application/JSON", "application/merge-patch+json"])
def test_nul_is_refused_whatever_the_case_of_the_json_content_type(
    agent: Api, content_type: str
) -> None:
    """FastAPI reads any application/json or +json type as JSON, in any case: so does the
    NUL check (a mixed-case type used to slip past it, a 500 on PostgreSQL)."""
    response = agent.client.post(
        "/api/v1/records",
        content=b'{"id": "R-nul", "status": "a\\u0000b"}',
        headers={**agent.headers, "Content-Type": content_type},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "status"
    assert agent.get("/api/v1/records/R-nul").status_code == 404


def test_a_column_set_through_custom_fields_is_named_where_it_was_sent(agent: Api) -> None:
    """A record's custom fields may set a column; too long a value is named under fields."""
    response = agent.post("/api/v1/records", json={"id": "R-f", "fields": {"owner": "x" * 201}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "fields.owner"
    response = agent.post("/api/v1/records", json={"id": "R-g", "owner": "x" * 201})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "owner"


def test_a_record_id_of_full_length_is_created(agent: Api) -> None:
    """'<id>:created', the default id of its created event, would be over 200 characters:
    the event is then plain 'created' (ids are unique per record)."""
    record = "R" * 200
    response = agent.post("/api/v1/records", json={"id": record})
    assert response.status_code == 201, response.text
    events = agent.get(f"/api/v1/records/{record}/events").json()
    assert [e["id"] for e in events] == ["created"]
    short = agent.post("/api/v1/records", json={"id": "R-1"})
    assert short.status_code == 201
    assert [e["id"] for e in agent.get("/api/v1/records/R-1/events").json()] == ["R-1:created"]
