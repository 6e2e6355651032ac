"""Webhook payloads of each vendor, built from the vendor's public documentation of them.

Each builder keeps the documented shape (names, nesting, value formats) and leaves out fields
caseclock does not read; the documentation each follows:

- Zendesk event webhooks: the payload envelope (``type``, ``id``, ``time``, ``subject``,
  ``detail`` with the ticket's properties, ``event`` with ``previous``/``current`` or the
  ``comment``), https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/ ;
  the signature (base64 HMAC-SHA256 of timestamp + body, headers
  ``X-Zendesk-Webhook-Signature`` and ``-Timestamp``),
  https://developer.zendesk.com/documentation/webhooks/verifying/
- Jira (Service Management) webhooks: ``webhookEvent``, ``timestamp`` (ms), ``issue`` with
  ``key`` and ``fields``, ``changelog.items`` (``field``, ``fromString``, ``toString``), and
  ``comment`` with ``jsdPublic``,
  https://developer.atlassian.com/server/jira/platform/webhooks/ and
  https://developer.atlassian.com/cloud/jira/platform/webhooks/ (``X-Hub-Signature``,
  ``X-Atlassian-Webhook-Identifier``)
- Zammad trigger webhooks: ``ticket`` (``number``, ``title``, ``state``, ``priority.name``,
  ``group.name``, ``owner.login``, ``organization.name``, ``updated_at``, ``updated_by.login``)
  and ``article`` (``sender``, ``internal``, ``body``, ``created_at``, ``created_by.login``:
  the agent who entered it, where ``origin_by`` is the customer it came from), headers
  ``X-Zammad-Delivery`` and ``X-Hub-Signature`` (HMAC-SHA1),
  https://github.com/zammad/zammad-admin-documentation/blob/6.0/manage/webhook/payload.rst
- GitHub ``issues`` and ``issue_comment`` events (``action``, ``issue``, ``comment`` with
  ``author_association``, ``repository.full_name``), headers ``X-GitHub-Event``,
  ``X-GitHub-Delivery`` and ``X-Hub-Signature-256``,
  https://docs.github.com/en/webhooks/webhook-events-and-payloads and
  https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
"""

from __future__ import annotations

from typing import Any

ZENDESK_TICKET: dict[str, Any] = {
    "actor_id": "8447388090494",
    "assignee_id": "8447388090494",
    "brand_id": "8447346621310",
    "created_at": "2026-03-09T14:00:00Z",
    "custom_status": "8447388051582",
    "description": "The export fails with a timeout",
    "external_id": None,
    "form_id": "8646151517822",
    "group_id": "8447320466430",
    "id": "5158",
    "is_public": True,
    "organization_id": "8447346622462",
    "priority": "HIGH",
    "requester_id": "8447388090495",
    "status": "NEW",
    "subject": "Export fails",
    "submitter_id": "8447388090495",
    "tags": ["enterprise"],
    "type": "INCIDENT",
    "updated_at": "2026-03-09T14:00:00Z",
    "via": {"channel": "web_service"},
}


def zendesk(kind: str, event: dict[str, Any], *, event_id: str, time: str) -> dict[str, Any]:
    """A Zendesk event webhook payload of type ``zen:event-type:ticket.<kind>``."""
    return {
        "account_id": 22129848,
        "detail": ZENDESK_TICKET,
        "event": event,
        "id": event_id,
        "subject": "zen:ticket:5158",
        "time": time,
        "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06",
    }


def zendesk_comment(*, staff: bool, public: bool) -> dict[str, Any]:
    return {
        "comment": {
            "author": {"id": "8447388090495", "is_staff": staff, "name": "Emily Adams"},
            "body": "Any news on this?",
            "id": "10001",
            "is_public": public,
        }
    }


JIRA_ISSUE: dict[str, Any] = {
    "id": "10002",
    "self": "https://example.atlassian.net/rest/api/2/10002",
    "key": "HELP-7",
    "fields": {
        "summary": "Printer on fire",
        "status": {"name": "Waiting for support", "id": "10001"},
        "priority": {"name": "High", "id": "2"},
        "assignee": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Mia Krystof"},
        "reporter": {"accountId": "qm:1234-customer", "displayName": "Emily Adams"},
        "created": "2026-03-09T10:00:00.000-0400",
    },
}


def jira(event: str, **extra: Any) -> dict[str, Any]:
    """A Jira webhook payload (``jira:issue_created``, ``jira:issue_updated``,
    ``comment_created``)."""
    return {
        "timestamp": 1773064800000,  # 2026-03-09T14:00:00Z
        "webhookEvent": event,
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Mia Krystof"},
        "issue": JIRA_ISSUE,
        **extra,
    }


def jira_status_change() -> dict[str, Any]:
    return jira(
        "jira:issue_updated",
        changelog={
            "id": "10124",
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "from": "10001",
                    "fromString": "Waiting for support",
                    "to": "10002",
                    "toString": "Waiting for customer",
                }
            ],
        },
    )


def jira_comment(*, by_reporter: bool, public: bool) -> dict[str, Any]:
    author = JIRA_ISSUE["fields"]["reporter" if by_reporter else "assignee"]
    return jira(
        "comment_created",
        comment={
            "id": "10005",
            "author": author,
            "body": "It is still on fire.",
            "created": "2026-03-09T10:30:00.000-0400",
            "updated": "2026-03-09T10:30:00.000-0400",
            "jsdPublic": public,
        },
    )


def zammad(*, state: str, sender: str = "Customer", internal: bool = False) -> dict[str, Any]:
    """A Zammad trigger webhook: the ticket as it is now and the article that triggered it."""
    return {
        "ticket": {
            "id": 81,
            "number": "10081",
            "title": "Webhook-Test",
            "state": state,
            "state_id": 2,
            "priority": {"id": 2, "name": "2 normal"},
            "group": {"id": 3, "name": "Service Desk"},
            "owner": {"id": 5, "login": "emma@chrispresso.com"},
            "organization": {"id": 3, "name": "Awesome Customer Inc."},
            "customer": {"id": 8, "login": "emily@example.com"},
            "updated_by": {"id": 3, "login": "chris@chrispresso.com", "firstname": "Christopher"},
            "created_at": "2026-03-09T14:00:00.282Z",
            "updated_at": "2026-03-09T14:34:35.333Z"
            if state != "new"
            else "2026-03-09T14:00:00.282Z",
            "article_count": 1,
        },
        "article": {
            "id": 104 if state == "new" else 105,
            "ticket_id": 81,
            "sender": sender,
            "internal": internal,
            "type": "phone",
            "from": "Emily Adams <emily@example.com>",
            "origin_by": "emily@example.com",
            "created_by": {"id": 3, "login": "chris@chrispresso.com", "firstname": "Christopher"},
            "body": "This is a simple Webhook Test.",
            "content_type": "text/html",
            "created_at": "2026-03-09T14:00:00.318Z"
            if state == "new"
            else "2026-03-09T14:34:35.318Z",
        },
    }


GITHUB_REPOSITORY = {"id": 1296269, "name": "Hello-World", "full_name": "octocat/Hello-World"}
GITHUB_ISSUE: dict[str, Any] = {
    "id": 1,
    "number": 1347,
    "title": "Found a bug",
    "state": "open",
    "user": {"login": "octocat", "id": 1},
    "labels": [{"id": 208045946, "name": "P2", "color": "f29513"}],
    "assignee": {"login": "hubot", "id": 2},
    "created_at": "2026-03-09T14:00:00Z",
    "updated_at": "2026-03-09T15:00:00Z",
    "closed_at": None,
    "author_association": "NONE",
}


def github_issue(action: str, **changes: Any) -> dict[str, Any]:
    return {
        "action": action,
        "issue": {**GITHUB_ISSUE, **changes},
        "repository": GITHUB_REPOSITORY,
        "sender": {"login": "octocat", "id": 1},
    }


def github_comment(association: str) -> dict[str, Any]:
    return {
        "action": "created",
        "issue": GITHUB_ISSUE,
        "comment": {
            "id": 1,
            "body": "Me too",
            "user": {"login": "someone", "id": 3},
            "author_association": association,
            "created_at": "2026-03-09T14:30:00Z",
            "updated_at": "2026-03-09T14:30:00Z",
        },
        "repository": GITHUB_REPOSITORY,
        "sender": {"login": "someone", "id": 3},
    }
