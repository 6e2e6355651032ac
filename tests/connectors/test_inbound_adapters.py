"""Each vendor's documented webhook payloads as caseclock events (pure: no store, no HTTP).
The payloads and where their shapes are documented: ``tests/connectors/vendor_payloads.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from caseclock.connectors.inbound.adapters import Translation, Unmappable, translate
from caseclock.connectors.inbound.signatures import SignatureRefused, sign, verify
from caseclock.connectors.inbound.sources import InboundSource, Vendor
from caseclock.core.events import Event
from tests.connectors import vendor_payloads as v

SECRET = "s3cret-s3cret-s3cret"
AT = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def _source(vendor: Vendor, **mapping: Any) -> InboundSource:
    return InboundSource(vendor=vendor, secret=SECRET, **mapping)


def _events(translation: Translation) -> list[tuple[str, dict[str, Any]]]:
    for event in translation.events:
        Event.model_validate(event)  # each is a valid event envelope
    return [(e["type"], e["data"]) for e in translation.events]


def test_zendesk_events_map_to_created_status_owner_and_comments() -> None:
    """Ticket created carries its fields (statuses and priorities mapped); status, priority,
    agent and group changes are their own events; a comment by a non-staff author is the
    customer's; the event's id keys each event."""
    source = _source(Vendor.ZENDESK)
    created = translate(
        "zendesk",
        source,
        v.zendesk("created", {"meta": {}}, event_id="e-1", time="2026-03-09T14:00:00Z"),
        {},
        "zendesk:e-1",
    )
    assert created.record == "zendesk-5158"
    assert _events(created) == [
        (
            "created",
            {
                "status": "New",
                "priority": "P2",
                "owner": "8447388090494",
                "team": "8447320466430",
                "account": "8447346622462",
                "subject": "Export fails",
            },
        )
    ]
    assert created.events[0]["id"] == "zendesk:e-1"
    changes: dict[str, tuple[dict[str, Any], tuple[str, dict[str, Any]]]] = {
        "status_changed": (
            {"previous": "NEW", "current": "PENDING"},
            ("status", {"status": "Waiting for Customer"}),
        ),
        "priority_changed": (
            {"previous": "HIGH", "current": "URGENT"},
            ("priority", {"priority": "P1"}),
        ),
        "agent_assignment_changed": (
            {"previous": None, "current": "42"},
            ("owner", {"owner": "42"}),
        ),
        "group_assignment_changed": ({"previous": None, "current": "7"}, ("owner", {"team": "7"})),
        "comment_added": (
            v.zendesk_comment(staff=False, public=True),
            (
                "comment",
                {
                    "public": True,
                    "author_role": "customer",
                    "author": "Emily Adams",
                    "body": "Any news on this?",
                },
            ),
        ),
    }
    for kind, (event, expected) in changes.items():
        payload = v.zendesk(kind, event, event_id="e-2", time="2026-03-09T14:10:00Z")
        assert _events(translate("zendesk", source, payload, {}, "zendesk:e-2")) == [expected]


def test_jira_issue_created_updated_and_public_comments() -> None:
    """issue_created carries status, priority, assignee and summary; issue_updated's changelog
    becomes one event per mapped item; comment_created keeps jsdPublic, and the reporter is
    the customer."""
    source = _source(Vendor.JIRA)
    created = translate("jsm", source, v.jira("jira:issue_created"), {}, "jsm:d1")
    assert created.record == "jsm-HELP-7"
    assert _events(created) == [
        (
            "created",
            {
                "status": "Open",
                "priority": "P2",
                "owner": "5b10ac8d82e05b22cc7d4ef5",
                "subject": "Printer on fire",
            },
        )
    ]
    assert created.events[0]["at"] == AT
    updated = translate("jsm", source, v.jira_status_change(), {}, "jsm:d2")
    assert _events(updated) == [("status", {"status": "Waiting for Customer"})]
    comment = translate("jsm", source, v.jira_comment(by_reporter=True, public=False), {}, "jsm:d3")
    assert _events(comment) == [
        (
            "comment",
            {
                "public": False,
                "author_role": "customer",
                "author": "Emily Adams",
                "body": "It is still on fire.",
            },
        )
    ]
    agent = translate("jsm", source, v.jira_comment(by_reporter=False, public=True), {}, "jsm:d4")
    assert _events(agent)[0][1]["author_role"] == "agent"


def test_zammad_sends_the_ticket_as_it_is_and_its_article() -> None:
    """A Zammad delivery is a snapshot of the ticket (mapped names) for the service to diff,
    and the article as a comment (internal articles are not public; a Customer sender is the
    customer)."""
    found = translate(
        "zammad", _source(Vendor.ZAMMAD), v.zammad(state="pending close"), {}, "zammad:x"
    )
    assert found.record == "zammad-10081"
    assert found.snapshot == {
        "status": "Pending",
        "priority": "P3",
        "owner": "emma@chrispresso.com",
        "team": "Service Desk",
        "account": "Awesome Customer Inc.",
        "subject": "Webhook-Test",
    }
    assert _events(found) == [
        (
            "comment",
            {
                "public": True,
                "author_role": "customer",
                "author": "emily@example.com",
                "body": "This is a simple Webhook Test.",
            },
        )
    ]
    internal = translate(
        "zammad",
        _source(Vendor.ZAMMAD),
        v.zammad(state="open", sender="Agent", internal=True),
        {},
        "z:y",
    )
    assert _events(internal)[0][1]["public"] is False
    assert _events(internal)[0][1]["author_role"] == "agent"


def test_github_issues_and_comments_with_an_overridden_mapping() -> None:
    """opened creates the record (a priority label mapped), closed and reopened close and
    reopen it, assigned sets the owner; a comment's author_association says customer or
    agent, and a source may say which associations are customers."""
    source = _source(Vendor.GITHUB)
    headers = {"x-github-event": "issues"}
    opened = translate("gh", source, v.github_issue("opened"), headers, "gh:1")
    assert opened.record == "gh-octocat:Hello-World:1347"
    assert _events(opened) == [
        (
            "created",
            {"status": "Open", "owner": "hubot", "subject": "Found a bug", "priority": "P2"},
        )
    ]
    closed = translate(
        "gh", source, v.github_issue("closed", closed_at="2026-03-10T09:00:00Z"), headers, "gh:2"
    )
    assert _events(closed) == [("closed", {})]
    comment = {"x-github-event": "issue_comment"}
    assert (
        _events(translate("gh", source, v.github_comment("NONE"), comment, "gh:3"))[0][1][
            "author_role"
        ]
        == "customer"
    )
    assert (
        _events(translate("gh", source, v.github_comment("MEMBER"), comment, "gh:4"))[0][1][
            "author_role"
        ]
        == "agent"
    )
    overridden = _source(Vendor.GITHUB, customer_roles=["NONE", "MEMBER"], record_prefix="")
    member = translate("gh", overridden, v.github_comment("MEMBER"), comment, "gh:5")
    assert member.record == "octocat:Hello-World:1347"
    assert _events(member)[0][1]["author_role"] == "customer"


@pytest.mark.parametrize(
    ("vendor", "payload", "headers"),
    [
        (
            Vendor.ZENDESK,
            v.zendesk("tags_changed", {}, event_id="e", time="2026-03-09T14:00:00Z"),
            {},
        ),
        (Vendor.JIRA, v.jira("jira:issue_deleted"), {}),
        (Vendor.GITHUB, v.github_issue("milestoned"), {"x-github-event": "issues"}),
        (Vendor.GITHUB, {"zen": "Keep it logically awesome."}, {"x-github-event": "ping"}),
        (Vendor.ZAMMAD, {"ticket": {"number": "1"}}, {}),
    ],
)
def test_payloads_caseclock_does_not_map_say_why(
    vendor: Vendor, payload: dict[str, Any], headers: dict[str, str]
) -> None:
    """An event type caseclock does not map, or a payload of an unexpected shape, raises
    Unmappable with a reason (the service keeps it for inspection)."""
    with pytest.raises(Unmappable):
        translate("s", _source(vendor), payload, headers, "s:1")


@pytest.mark.parametrize("vendor", list(Vendor))
def test_signatures_hold_only_with_the_source_secret(vendor: Vendor) -> None:
    """Each vendor's signature verifies with the secret it was made with and not with another;
    a body changed after signing is refused."""
    body = b'{"a": 1}'
    stamp = "2026-03-09T14:00:00Z"
    headers = {k.lower(): val for k, val in sign(vendor, SECRET, body, stamp=stamp).items()}
    verify(vendor, SECRET, headers, body, now=AT)
    with pytest.raises(SignatureRefused):
        verify(vendor, "another-secret-entirely", headers, body, now=AT)
    with pytest.raises(SignatureRefused):
        verify(vendor, SECRET, headers, b'{"a": 2}', now=AT)
    with pytest.raises(SignatureRefused, match="no "):
        verify(vendor, SECRET, {}, body, now=AT)


def test_a_stale_zendesk_timestamp_is_refused_as_a_replay() -> None:
    """A Zendesk delivery signed more than five minutes before it arrives is refused, however
    good its signature."""
    body = b"{}"
    headers = {
        k.lower(): x
        for k, x in sign(Vendor.ZENDESK, SECRET, body, stamp="2026-03-09T13:54:00Z").items()
    }
    with pytest.raises(SignatureRefused, match="replay"):
        verify(Vendor.ZENDESK, SECRET, headers, body, now=AT)
    verify(
        Vendor.ZENDESK, SECRET, headers, body, now=AT.replace(minute=0).replace(hour=13, minute=58)
    )
