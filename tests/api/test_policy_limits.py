"""A policy that validates must store and then run: values the store cannot hold, template
names that are paths, and YAML whose aliases expand without bound answer 422 at POST /policy,
and nothing of the bundle is applied. A process stored before these checks fails only its own
records' events."""

from __future__ import annotations

from typing import Any

import pytest

from caseclock.core.policy import parse_bundle
from caseclock.services.policy import process_document
from caseclock.store.models import ProcessRow
from tests.api.conftest import POLICY, Api
from tests.conftest import T0, Database

ALIASES = """
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def apply(admin: Api, text: str) -> Any:
    headers = {**admin.headers, "Content-Type": "application/yaml"}
    return admin.client.post("/api/v1/policy", content=text, headers=headers)


def refused(admin: Api, text: str) -> list[dict[str, str]]:
    response = apply(admin, text)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert admin.get("/api/v1/processes").json() == []
    assert admin.get("/api/v1/calendars").json() == []
    return list(response.json()["errors"])


def test_a_milestone_name_longer_than_its_column_is_refused(admin: Api) -> None:
    """A 250-character milestone name (its rows hold 200) answers 422 naming it at apply,
    instead of applying and then failing every event of the process."""
    text = POLICY.replace("name: First response", f"name: {'N' * 250}", 1)
    errors = refused(admin, text)
    assert errors[0]["path"] == "processes.gold.milestones[0].name"
    assert "at most 200 characters" in errors[0]["message"]


@pytest.mark.parametrize(
    ("action", "path", "words"),
    [
        ("{type: email, to: owner, template: ../../etc/passwd}", "template", "not a path"),
        ("{type: email, to: owner, template: warn/custom}", "template", "not a path"),
        ('{type: email, to: "ana\\r\\nBcc: all@example.com"}', "to", "control character"),
        (f"{{type: set_status, status: {'S' * 201}}}", "status", "at most 200"),
    ],
    ids=["dotdot", "slash", "recipient-crlf", "status-long"],
)
def test_action_values_are_checked_where_the_policy_is_applied(
    admin: Api, action: str, path: str, words: str
) -> None:
    """Template names (no path segments), recipients (one line) and the statuses actions set
    (the record's column) are checked at apply, not first at render or at firing."""
    text = POLICY.replace(
        "        target: 4h\n",
        f"        target: 4h\n        actions: {{warning: {{do: [{action}]}}}}\n",
        1,
    )
    errors = refused(admin, text)
    assert errors[0]["path"] == f"processes.gold.milestones[0].actions.warning.do[0].{path}"
    assert words in errors[0]["message"]


def test_a_billion_laughs_document_is_refused(admin: Api) -> None:
    """Nine levels of aliases to aliases (a billion nodes expanded, 400 bytes of text) answer
    422 naming the expansion, without expanding it."""
    errors = refused(admin, ALIASES)
    assert "aliases expand the document past 100,000 nodes" in errors[0]["message"]


def test_an_alias_that_contains_itself_is_refused(admin: Api) -> None:
    """A node that contains itself through an alias answers 422 (the bundle cannot be read as a
    policy), not a hang or a crash."""
    refused(admin, "a: &a [1, *a]\n")


def test_moderate_aliases_still_load(admin: Api) -> None:
    """A bundle that shares a milestone through an anchor and alias applies as before."""
    text = POLICY.replace(
        "      - key: first_response\n", "      - &fr\n        key: first_response\n", 1
    )
    text = text.replace(
        "    milestones:\n      - key: first_response\n        name: First response\n"
        "        start: {on: created}\n        complete: {on: comment, public: true, "
        "author_role: agent}\n        target: 8h\n",
        "    milestones:\n      - *fr\n",
    )
    assert "*fr" in text
    response = apply(admin, text)
    assert response.status_code == 200, response.text


def test_one_records_failure_leaves_the_others_events_stored(
    admin: Api, agent: Api, db: Database, backend: str
) -> None:
    """A process stored before apply-time checks (a 250-character milestone name, which
    PostgreSQL's milestone rows cannot hold) fails its own records' events only: the batch's
    events on other records are accepted and stored."""
    assert apply(admin, POLICY).status_code == 200
    document = process_document(parse_bundle(POLICY).processes["gold"])
    document["key"] = "legacy"
    document["milestones"][0]["name"] = "N" * 250
    with db.session_factory() as session:
        session.add(
            ProcessRow(key="legacy", version=1, name="Legacy", document=document, created_at=T0)
        )
        session.commit()
    batch = [
        created("C-1", tier="Gold"),
        created("C-2", process="legacy"),
        {**created("C-1"), "id": "c1-status", "type": "status", "data": {"status": "Open"}},
    ]
    body = agent.post("/api/v1/events", json=batch).json()
    statuses = [r["status"] for r in body["results"]]
    if backend == "postgresql":
        assert statuses == ["accepted", "rejected", "accepted"]
        assert "could not be stored" in body["results"][1]["errors"][0]
        assert agent.get("/api/v1/records/C-2").status_code == 404
    else:  # SQLite keeps longer text than a column declares: nothing fails
        assert statuses == ["accepted"] * 3
    assert agent.get("/api/v1/records/C-1").json()["status"] == "Open"


def created(record: str, **data: Any) -> dict[str, Any]:
    return {
        "id": f"{record}:created",
        "record": record,
        "type": "created",
        "at": T0.isoformat(),
        "data": {"account": "acme", "status": "New", **data},
    }
