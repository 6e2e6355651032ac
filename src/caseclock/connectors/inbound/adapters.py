"""Each vendor's webhook payloads as caseclock events (the API's envelope).

A payload maps to a ``Translation``: the record it is about, its events (ids made from the
delivery's id, so a replayed delivery is a duplicate), who made the change in the helpdesk
(named as owners are: Zendesk user ids, Jira account ids, Zammad logins, GitHub logins), and,
for Zammad, whose triggers send the ticket as it now is, a snapshot of its fields that the
service diffs against the stored record. What cannot be mapped raises ``Unmappable`` with
why; the service stores it.

Defaults (``DEFAULTS``), each overridable per source: status and priority names, and who
counts as the customer (Zendesk: a comment author who is not staff; Jira: the issue's
reporter; Zammad: an article whose sender is ``Customer``; GitHub: an author whose
``author_association`` is not OWNER, MEMBER or COLLABORATOR).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import JsonValue

from caseclock.connectors.inbound.sources import InboundSource, Vendor

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Unmappable(Exception):
    """A payload caseclock cannot turn into events (it is stored for inspection)."""


@dataclass(frozen=True)
class Translation:
    record: str
    events: list[dict[str, Any]] = field(default_factory=list)
    snapshot: dict[str, JsonValue] | None = None  # the record's fields now (Zammad)
    at: datetime | None = None  # the snapshot's instant
    actor: str | None = None  # who made the change in the helpdesk, when the payload says


@dataclass(frozen=True)
class Defaults:
    statuses: Mapping[str, str]
    priorities: Mapping[str, str]
    customer_roles: tuple[str, ...]


DEFAULTS: dict[Vendor, Defaults] = {
    Vendor.ZENDESK: Defaults(
        {
            "new": "New",
            "open": "Open",
            "pending": "Waiting for Customer",
            "hold": "Pending",
            "solved": "Resolved",
            "closed": "Closed",
        },
        {"low": "P4", "normal": "P3", "high": "P2", "urgent": "P1"},
        (),  # the comment author's is_staff decides
    ),
    Vendor.JIRA: Defaults(
        {
            "open": "Open",
            "to do": "New",
            "waiting for support": "Open",
            "in progress": "In Progress",
            "waiting for customer": "Waiting for Customer",
            "pending": "Pending",
            "resolved": "Resolved",
            "done": "Closed",
            "closed": "Closed",
        },
        {"highest": "P1", "high": "P2", "medium": "P3", "low": "P4", "lowest": "P4"},
        ("reporter",),
    ),
    Vendor.ZAMMAD: Defaults(
        {
            "new": "New",
            "open": "Open",
            "pending reminder": "Pending",
            "pending close": "Pending",
            "closed": "Closed",
            "merged": "Closed",
        },
        {"1 low": "P4", "2 normal": "P3", "3 high": "P2"},
        ("Customer",),
    ),
    Vendor.GITHUB: Defaults(
        {},
        {"p1": "P1", "p2": "P2", "p3": "P3", "p4": "P4"},
        ("CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE"),
    ),
}


class _Context:
    """One delivery of one source: its names, ids and defaults."""

    def __init__(self, name: str, source: InboundSource, delivery: str) -> None:
        defaults = DEFAULTS[source.vendor]
        self.statuses = {k.lower(): v for k, v in {**defaults.statuses, **source.statuses}.items()}
        self.priorities = {
            k.lower(): v for k, v in {**defaults.priorities, **source.priorities}.items()
        }
        roles = source.customer_roles
        self.customer_roles = tuple(defaults.customer_roles if roles is None else roles)
        self.prefix = f"{name}-" if source.record_prefix is None else source.record_prefix
        self.delivery = delivery
        self.count = 0

    def record(self, value: Any) -> str:
        if value is None or isinstance(value, dict | list):
            raise Unmappable("the payload names no ticket id")
        return f"{self.prefix}{value}"

    def status(self, name: Any) -> str:
        text = str(name)
        return self.statuses.get(text.lower(), text)

    def priority(self, name: Any) -> str:
        text = str(name)
        return self.priorities.get(text.lower(), text)

    def event(
        self, record: str, kind: str, at: datetime, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        self.count += 1
        suffix = "" if self.count == 1 else f":{self.count}"
        return {
            "id": f"{self.delivery}{suffix}",
            "record": record,
            "type": kind,
            "at": at,
            "data": {k: v for k, v in data.items() if v is not None or kind in ("owner", "field")},
        }


def translate(
    name: str, source: InboundSource, payload: Any, headers: Mapping[str, str], delivery: str
) -> Translation:
    """The events of one delivery of source ``name``; raises ``Unmappable``."""
    if not isinstance(payload, dict):
        raise Unmappable("the body is not a JSON object")
    context = _Context(name, source, delivery)
    try:
        if source.vendor is Vendor.ZENDESK:
            return _zendesk(context, payload)
        if source.vendor is Vendor.JIRA:
            return _jira(context, payload)
        if source.vendor is Vendor.ZAMMAD:
            return _zammad(context, payload)
        found = _github(context, payload, headers.get("x-github-event", ""))
        return replace(found, actor=_login(payload.get("sender")))  # who acted, on GitHub
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Unmappable(f"unexpected payload shape ({type(exc).__name__}: {exc})") from None


def _instant(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return EPOCH + timedelta(milliseconds=value)
    at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"{value!r} has no offset")
    return at.astimezone(UTC)


# -- Zendesk: event webhooks (zen:event-type:ticket.*) -------------------------------------


def _zendesk(context: _Context, payload: dict[str, Any]) -> Translation:
    kind = str(payload.get("type", ""))
    detail, change = payload["detail"], payload.get("event") or {}
    record = context.record(detail.get("id"))
    at = _instant(payload["time"])
    event = context.event
    short = kind.removeprefix("zen:event-type:ticket.")
    actor = _text(detail.get("actor_id"))
    if short == "created":
        data = {
            "status": context.status(detail["status"]),
            "priority": context.priority(detail["priority"]) if detail.get("priority") else None,
            "owner": _text(detail.get("assignee_id")),
            "team": _text(detail.get("group_id")),
            "account": _text(detail.get("organization_id")),
            "subject": detail.get("subject"),
        }
        return Translation(record, [event(record, "created", at, data)], actor=actor)
    if short == "status_changed":
        status = context.status(change["current"])
        return Translation(record, [event(record, "status", at, {"status": status})], actor=actor)
    if short == "priority_changed":
        priority = context.priority(change["current"])
        data = {"priority": priority}
        return Translation(record, [event(record, "priority", at, data)], actor=actor)
    if short == "agent_assignment_changed":
        owner = _text(change.get("current"))
        return Translation(record, [event(record, "owner", at, {"owner": owner})], actor=actor)
    if short == "group_assignment_changed":
        team = _text(change.get("current"))
        return Translation(record, [event(record, "owner", at, {"team": team})], actor=actor)
    if short == "comment_added":
        comment = change["comment"]
        author = comment.get("author") or {}
        data = {
            "public": bool(comment["is_public"]),
            "author_role": "agent" if author.get("is_staff") else "customer",
            "author": _text(author.get("name")),
            "body": comment.get("body") or None,
        }
        by = _text(author.get("id")) or actor
        return Translation(record, [event(record, "comment", at, data)], actor=by)
    raise Unmappable(f"Zendesk event type {kind!r} is not one caseclock maps")


# -- Jira Service Management: jira:issue_created, jira:issue_updated, comment_created ----------


def _jira(context: _Context, payload: dict[str, Any]) -> Translation:
    kind = str(payload.get("webhookEvent", ""))
    issue = payload["issue"]
    fields = issue.get("fields") or {}
    record = context.record(issue.get("key"))
    at = _instant(payload["timestamp"])
    event = context.event
    actor = _person(payload.get("user"))
    if kind == "jira:issue_created":
        data = {
            "status": context.status((fields.get("status") or {})["name"]),
            "priority": _named(context.priority, fields.get("priority")),
            "owner": _person(fields.get("assignee")),
            "subject": fields.get("summary"),
        }
        return Translation(record, [event(record, "created", at, data)], actor=actor)
    if kind == "jira:issue_updated":
        events = []
        for item in (payload.get("changelog") or {}).get("items", []):
            name = str(item.get("field", "")).lower()
            if name == "status":
                events.append(
                    event(record, "status", at, {"status": context.status(item["toString"])})
                )
            elif name == "priority":
                events.append(
                    event(record, "priority", at, {"priority": context.priority(item["toString"])})
                )
            elif name == "assignee":
                events.append(event(record, "owner", at, {"owner": item.get("to")}))
        if not events:
            raise Unmappable("a Jira update without a status, priority or assignee change")
        return Translation(record, events, actor=actor)
    if kind == "comment_created":
        comment = payload["comment"]
        author = (comment.get("author") or {}).get("accountId")
        reporter = (fields.get("reporter") or {}).get("accountId")
        customer = (
            "reporter" in context.customer_roles and author is not None and author == reporter
        )
        data = {
            "public": bool(comment.get("jsdPublic", True)),
            "author_role": "customer" if customer else "agent",
            "author": (comment.get("author") or {}).get("displayName"),
            "body": comment.get("body") or None,
        }
        at = _instant(comment.get("created") or payload["timestamp"])
        by = _person(comment.get("author")) or actor
        return Translation(record, [event(record, "comment", at, data)], actor=by)
    raise Unmappable(f"Jira webhook event {kind!r} is not one caseclock maps")


def _named(translate: Any, value: Any) -> str | None:
    return translate(value["name"]) if isinstance(value, dict) and value.get("name") else None


def _person(value: Any) -> str | None:
    return (
        str(value.get("accountId")) if isinstance(value, dict) and value.get("accountId") else None
    )


# -- Zammad: trigger webhooks with ticket and article ------------------------------------------


def _zammad(context: _Context, payload: dict[str, Any]) -> Translation:
    ticket = payload["ticket"]
    record = context.record(ticket.get("number") or ticket.get("id"))
    at = _instant(ticket["updated_at"])
    snapshot: dict[str, JsonValue] = {
        "status": context.status(ticket["state"]),
        "priority": _named(context.priority, ticket.get("priority")),
        "owner": (ticket.get("owner") or {}).get("login"),
        "team": (ticket.get("group") or {}).get("name"),
        "account": (ticket.get("organization") or {}).get("name"),
        "subject": ticket.get("title"),
    }
    article = payload.get("article")
    comments = []
    actor = _login(ticket.get("updated_by"))
    if isinstance(article, dict) and article.get("id") is not None:
        actor = _login(article.get("created_by")) or actor  # who entered it, not origin_by
        sender = str(article.get("sender", ""))
        role = (
            "customer"
            if sender in context.customer_roles
            else ("system" if sender == "System" else "agent")
        )
        data = {
            "public": not article.get("internal", False),
            "author_role": role,
            "author": article.get("origin_by") or article.get("from"),
            "body": article.get("body") or None,
        }
        comments.append(context.event(record, "comment", _instant(article["created_at"]), data))
    return Translation(record, comments, snapshot=snapshot, at=at, actor=actor)


# -- GitHub issues: issues, issue_comment ------------------------------------------------------


def _github(context: _Context, payload: dict[str, Any], kind: str) -> Translation:
    issue = payload["issue"]
    repository = str(payload["repository"]["full_name"]).replace("/", ":")
    record = context.record(f"{repository}:{issue['number']}")
    action = payload.get("action")
    event = context.event
    if kind == "issues" and action == "opened":
        data = {
            "status": "Open",
            "owner": (issue.get("assignee") or {}).get("login"),
            "subject": issue.get("title"),
            **_label_priority(context, issue.get("labels") or []),
        }
        return Translation(record, [event(record, "created", _instant(issue["created_at"]), data)])
    if kind == "issues" and action == "closed":
        return Translation(record, [event(record, "closed", _instant(issue["closed_at"]), {})])
    if kind == "issues" and action == "reopened":
        return Translation(record, [event(record, "reopened", _instant(issue["updated_at"]), {})])
    if kind == "issues" and action in ("assigned", "unassigned"):
        owner = (issue.get("assignee") or {}).get("login")
        return Translation(
            record, [event(record, "owner", _instant(issue["updated_at"]), {"owner": owner})]
        )
    if kind == "issues" and action == "labeled":
        priority = _label_priority(context, [payload.get("label") or {}])
        if priority:
            return Translation(
                record, [event(record, "priority", _instant(issue["updated_at"]), priority)]
            )
        raise Unmappable("a label that names no priority")
    if kind == "issue_comment" and action == "created":
        comment = payload["comment"]
        customer = comment.get("author_association") in context.customer_roles
        data = {
            "public": True,
            "author_role": "customer" if customer else "agent",
            "author": (comment.get("user") or {}).get("login"),
            "body": comment.get("body") or None,
        }
        return Translation(
            record, [event(record, "comment", _instant(comment["created_at"]), data)]
        )
    raise Unmappable(f"GitHub {kind or 'event'} {action!r} is not one caseclock maps")


def _login(value: Any) -> str | None:
    """A person's ``login`` (Zammad's and GitHub's user objects)."""
    return _text(value.get("login")) if isinstance(value, dict) and value.get("login") else None


def _label_priority(context: _Context, labels: list[Any]) -> dict[str, str]:
    for label in labels:
        name = str(label.get("name", "")).lower() if isinstance(label, dict) else ""
        if name in context.priorities:
            return {"priority": context.priorities[name]}
    return {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
