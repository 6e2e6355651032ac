"""Inbound webhooks over real HTTP: ``caseclock serve`` as a subprocess, one source per vendor,
signed deliveries built from each vendor's documented payloads (``vendor_payloads``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml

from caseclock.clock import SystemClock
from caseclock.connectors.inbound.signatures import sign
from caseclock.connectors.inbound.sources import Vendor
from tests.connectors import vendor_payloads as v
from tests.served import run_cli, serving, sqlite_url

SECRETS = {vendor: f"{vendor}-secret-0123456789" for vendor in Vendor}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    """A served app with a source per vendor (named after it), and an admin key; one for the
    module (each test uses records and deliveries of its own)."""
    tmp_path = tmp_path_factory.mktemp("inbound")
    sources = {
        "sources": {
            vendor.value: {"vendor": vendor.value, "secret": SECRETS[vendor]} for vendor in Vendor
        }
    }
    config = tmp_path / "inbound.yaml"
    config.write_text(yaml.safe_dump(sources), encoding="utf-8")
    with serving(tmp_path, CASECLOCK_INBOUND_FILE=str(config)) as port:
        made = run_cli(sqlite_url(tmp_path), "apikey", "create", "--role", "admin")
        assert made.returncode == 0, made.stderr
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client, made.stdout.strip().splitlines()[-1]


def _post(
    client: httpx.Client,
    vendor: Vendor,
    payload: Any,
    *,
    delivery: str = "",
    event: str = "",
    secret: str | None = None,
    stamp: str | None = None,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    now = stamp or SystemClock().now().isoformat()
    headers = {"Content-Type": "application/json"}
    headers.update(sign(vendor, secret or SECRETS[vendor], body, stamp=now))
    if vendor is Vendor.GITHUB:
        headers |= {"X-GitHub-Delivery": delivery, "X-GitHub-Event": event}
    elif vendor is Vendor.ZAMMAD:
        headers |= {"X-Zammad-Delivery": delivery, "X-Zammad-Trigger": "caseclock"}
    elif vendor is Vendor.JIRA:
        headers |= {"X-Atlassian-Webhook-Identifier": delivery}
    return client.post(f"/api/v1/inbound/{vendor.value}", content=body, headers=headers)


def _timeline(client: httpx.Client, key: str, record: str) -> list[tuple[str, dict[str, Any]]]:
    answer = client.get(
        f"/api/v1/records/{record}/events", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200, answer.text
    return [(e["type"], e["data"]) for e in answer.json()]


def _actors(client: httpx.Client, key: str, record: str) -> list[tuple[str, str | None]]:
    answer = client.get(
        f"/api/v1/records/{record}/events", headers={"Authorization": f"Bearer {key}"}
    )
    return [(e["source"], e["actor"]) for e in answer.json()]


def test_each_vendor_s_deliveries_become_events_once(server: tuple[httpx.Client, str]) -> None:
    """Signed deliveries of each vendor land on their record's timeline, each event by the
    person who made the change in the helpdesk; the same delivery again (a retry or a
    replay) answers duplicate and adds nothing."""
    client, key = server
    zendesk = [
        v.zendesk("created", {"meta": {}}, event_id="z-1", time="2026-03-09T14:00:00Z"),
        v.zendesk(
            "status_changed",
            {"previous": "NEW", "current": "OPEN"},
            event_id="z-2",
            time="2026-03-09T14:05:00Z",
        ),
        v.zendesk(
            "comment_added",
            v.zendesk_comment(staff=True, public=True),
            event_id="z-3",
            time="2026-03-09T14:06:00Z",
        ),
    ]
    for payload in zendesk:
        answer = _post(client, Vendor.ZENDESK, payload)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "accepted"
    replay = _post(client, Vendor.ZENDESK, zendesk[1])
    assert replay.json() == {"status": "duplicate", "accepted": 0, "duplicate": 1, "reasons": []}
    assert [kind for kind, _ in _timeline(client, key, "zendesk-5158")] == [
        "created",
        "status",
        "comment",
    ]
    agent, customer = "8447388090494", "8447388090495"  # detail.actor_id, comment.author.id
    assert _actors(client, key, "zendesk-5158") == [
        ("webhook:zendesk", agent),
        ("webhook:zendesk", agent),
        ("webhook:zendesk", customer),
    ]
    jira = [("d-1", v.jira("jira:issue_created")), ("d-2", v.jira_status_change())]
    jira.append(("d-3", v.jira_comment(by_reporter=True, public=True)))
    for delivery, payload in jira:
        assert _post(client, Vendor.JIRA, payload, delivery=delivery).json()["accepted"] == 1
    assert _timeline(client, key, "jira-HELP-7")[1] == (
        "status",
        {"status": "Waiting for Customer"},
    )
    assert [actor for _, actor in _actors(client, key, "jira-HELP-7")] == [
        "5b10ac8d82e05b22cc7d4ef5",  # the payload's user
        "5b10ac8d82e05b22cc7d4ef5",
        "qm:1234-customer",  # the comment's author
    ]
    github = [
        ("g-1", "issues", v.github_issue("opened")),
        ("g-2", "issue_comment", v.github_comment("NONE")),
        ("g-3", "issues", v.github_issue("closed", closed_at="2026-03-10T09:00:00Z")),
    ]
    for delivery, event, payload in github:
        answer = _post(client, Vendor.GITHUB, payload, delivery=delivery, event=event)
        assert answer.json()["status"] == "accepted", answer.text
    assert [k for k, _ in _timeline(client, key, "github-octocat:Hello-World:1347")] == [
        "created",
        "comment",
        "closed",
    ]
    assert _actors(client, key, "github-octocat:Hello-World:1347") == [
        ("webhook:github", "octocat"),  # the sender of each delivery
        ("webhook:github", "someone"),
        ("webhook:github", "octocat"),
    ]


def test_zammad_snapshots_are_diffed_against_the_record(server: tuple[httpx.Client, str]) -> None:
    """Zammad sends the whole ticket each time: the first delivery creates the record, a later
    one adds only what changed (here the state) and its article; replayed, nothing."""
    client, key = server
    first = _post(client, Vendor.ZAMMAD, v.zammad(state="new"), delivery="zm-1")
    assert first.json()["accepted"] == 2, first.text  # created + the article
    later = _post(client, Vendor.ZAMMAD, v.zammad(state="open"), delivery="zm-2")
    assert later.json()["accepted"] == 2, later.text  # status + the article
    again = _post(client, Vendor.ZAMMAD, v.zammad(state="open"), delivery="zm-2")
    assert again.json()["status"] == "duplicate"
    timeline = _timeline(client, key, "zammad-10081")
    # each article at its own instant: the second comes a moment before the state change
    assert [kind for kind, _ in timeline] == ["created", "comment", "comment", "status"]
    assert timeline[3] == ("status", {"status": "Open"})
    # by the agent who entered the article (created_by), not the customer it came from
    assert set(_actors(client, key, "zammad-10081")) == {
        ("webhook:zammad", "chris@chrispresso.com")
    }


def test_bad_signatures_and_stale_timestamps_are_refused(server: tuple[httpx.Client, str]) -> None:
    """A delivery signed with another secret, or a Zendesk one signed more than five minutes
    ago, answers 401 problem details and keeps nothing; an unknown source answers 404."""
    client, key = server
    payload = v.zendesk("created", {"meta": {}}, event_id="z-9", time="2026-03-09T14:00:00Z")
    forged = _post(client, Vendor.ZENDESK, payload, secret="not-the-secret-at-all")
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    stale_at = (datetime.now(UTC) - timedelta(minutes=6)).isoformat()
    stale = _post(client, Vendor.ZENDESK, payload, stamp=stale_at)
    assert stale.status_code == 401
    assert "replay" in stale.json()["detail"]
    github = _post(
        client,
        Vendor.GITHUB,
        v.github_issue("opened"),
        delivery="g",
        event="issues",
        secret="wrong-wrong-wrong-wrong",
    )
    assert github.status_code == 401
    assert client.post("/api/v1/inbound/nobody", content=b"{}").status_code == 404
    kept = client.get("/api/v1/inbound-payloads", headers={"Authorization": f"Bearer {key}"})
    assert {i["delivery_id"] for i in kept.json()["items"]} & {"z-9", "g"} == set()


def test_unmappable_payloads_are_kept_and_answered_202(server: tuple[httpx.Client, str]) -> None:
    """A payload caseclock does not map (an event type it ignores, a body that is not JSON, an
    event on a ticket it never saw created) is answered 202, never 500, and kept once per
    delivery with the reason."""
    client, key = server
    ping = _post(
        client, Vendor.GITHUB, {"zen": "Design for failure."}, delivery="p-1", event="ping"
    )
    assert ping.status_code == 202
    assert ping.json()["status"] == "stored"
    assert (
        _post(client, Vendor.GITHUB, {"zen": "x"}, delivery="p-1", event="ping").status_code == 202
    )
    never_created = v.jira_status_change()
    never_created["issue"] = {**never_created["issue"], "key": "HELP-99"}
    orphan = _post(client, Vendor.JIRA, never_created, delivery="j-9")
    assert orphan.status_code == 202
    assert "unknown record 'jira-HELP-99'" in orphan.json()["reasons"][0]
    body = b"not json at all"
    headers = {**sign(Vendor.ZAMMAD, SECRETS[Vendor.ZAMMAD], body), "X-Zammad-Delivery": "zm-x"}
    garbled = client.post("/api/v1/inbound/zammad", content=body, headers=headers)
    assert garbled.status_code == 202
    kept = client.get("/api/v1/inbound-payloads", headers={"Authorization": f"Bearer {key}"})
    items = kept.json()["items"]
    assert sorted((i["source"], i["delivery_id"]) for i in items) == [
        ("github", "p-1"),
        ("jira", "j-9"),
        ("zammad", "zm-x"),
    ]
    assert next(i for i in items if i["source"] == "zammad")["body"] == "not json at all"


def _zendesk_on(ticket: str, kind: str, event: dict[str, Any], event_id: str, time: str) -> Any:
    payload = v.zendesk(kind, event, event_id=event_id, time=time)
    return {**payload, "detail": {**payload["detail"], "id": ticket}}


def test_late_deliveries_take_their_place_and_replays_change_nothing(
    server: tuple[httpx.Client, str],
) -> None:
    """A delivery that arrives after a later change is placed at its own instant, so the
    record ends with the latest change whatever the order of arrival; each vendor's delivery
    sent again (the same delivery id: a retry, or a replay by someone who kept it) answers
    duplicate and stores nothing."""
    client, key = server
    auth = {"Authorization": f"Bearer {key}"}
    created = _zendesk_on("6001", "created", {"meta": {}}, "o-1", "2026-03-09T14:00:00Z")
    later = _zendesk_on(
        "6001", "status_changed", {"previous": "OPEN", "current": "PENDING"}, "o-3",
        "2026-03-09T14:20:00Z",
    )  # fmt: skip
    late = _zendesk_on(
        "6001", "status_changed", {"previous": "NEW", "current": "OPEN"}, "o-2",
        "2026-03-09T14:10:00Z",
    )  # fmt: skip
    for payload in (created, later, late):
        assert _post(client, Vendor.ZENDESK, payload).json()["status"] == "accepted"
    assert [data.get("status") for _, data in _timeline(client, key, "zendesk-6001")] == [
        "New",
        "Open",
        "Waiting for Customer",
    ]
    record = client.get("/api/v1/records/zendesk-6001", headers=auth).json()
    assert record["status"] == "Waiting for Customer"
    issue = {**v.GITHUB_ISSUE, "number": 77}
    opened = {**v.github_issue("opened"), "issue": issue}
    jira_created = v.jira("jira:issue_created")
    jira_created["issue"] = {**jira_created["issue"], "key": "HELP-77"}
    sent = [
        (Vendor.ZENDESK, later, "", ""),
        (Vendor.JIRA, jira_created, "r-1", ""),
        (Vendor.GITHUB, opened, "r-2", "issues"),
        (Vendor.ZAMMAD, {**v.zammad(state="new"), "ticket": {**v.zammad(state="new")["ticket"],
                                                            "number": "20077"}}, "r-3", ""),
    ]  # fmt: skip
    for vendor, payload, delivery, event in sent[1:]:
        first = _post(client, vendor, payload, delivery=delivery, event=event)
        assert first.json()["status"] == "accepted", first.text
    before = {r: _timeline(client, key, r) for r in ("jira-HELP-77", "zammad-20077")}
    for vendor, payload, delivery, event in sent:
        again = _post(client, vendor, payload, delivery=delivery, event=event)
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "duplicate", (vendor, again.text)
    assert {r: _timeline(client, key, r) for r in before} == before
