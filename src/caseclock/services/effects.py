"""What one firing does: its actions as timeline events (internal) and outbox rows (external).

Internal effects become events on the record's timeline, ingested in the firing transaction:
``set_field`` and ``set_status`` (fields), ``reassign`` (owner and/or team, with a handoff
note), ``create_task``, ``add_note``, ``pause`` / ``resume`` (an override on the milestone) and
the pause of ``request_info``. External ones (``webhook``, ``chat``, ``email`` and the customer
email of ``request_info``) become deliveries, rendered now and delivered after commit.

Every action has a deterministic key, ``<trigger key>.<action index>``, where the trigger key
hashes (record, milestone or rule, cycle, kind, sequence): it is the event id of an internal
effect and the idempotency key of a delivery, so neither can be applied twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from caseclock.channels.chat import chat_message
from caseclock.channels.email import (
    DEFAULT_TEMPLATES,
    EmailTemplateError,
    EmailTemplates,
    email_context,
)
from caseclock.channels.payloads import Trigger, TriggerKind, build_payload, instant
from caseclock.channels.wording import TITLES
from caseclock.core.actions import ActionSpec
from caseclock.core.milestones import Milestone
from caseclock.services.csat_links import SurveyLinks
from caseclock.services.directory import EMPTY, Directory

ACTOR = "caseclock"
WAITING = "waiting for the customer"  # how request_info's pause reads (services.answers)
INSTANT_VALUES = ("completed_at", "deadline", "started_at", "warning_at")


KEY_PREFIX = "cc-"  # readable ids; caseclock's own events are known by their source, not this


def trigger_key(record_id: str, source: str, cycle: int, kind: str, sequence: int) -> str:
    """The deterministic key of one firing: ``cc-<kind>-<40 hex>``."""
    text = "\x1f".join((record_id, source, str(cycle), kind, str(sequence)))
    return f"{KEY_PREFIX}{kind}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:40]}"


@dataclass(frozen=True, slots=True)
class Firing:
    """Everything an action may read: the trigger, the record, its account and milestone."""

    trigger: Trigger
    source: str
    record: Mapping[str, Any]  # summary fields (id, type, account, ...) and custom fields
    account: Mapping[str, Any]
    milestone: Milestone | None
    zone: tzinfo
    handoff: str | None = None  # the record's handoff summary as last written (insights)


@dataclass(frozen=True, slots=True)
class Targets:
    """Where external actions can go: registered endpoints (name -> kind), the console link,
    the domain for people named without an address, the email templates, and the directory
    (team leads, roles on a team, people's and teams' addresses)."""

    endpoints: Mapping[str, str]
    console_url: str
    email_domain: str | None
    templates: EmailTemplates
    directory: Directory = EMPTY
    survey: SurveyLinks | None = None  # makes ``survey_link`` for success emails and surveys


@dataclass(slots=True)
class Planned:
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def plan(firing: Firing, actions: Sequence[ActionSpec], targets: Targets) -> Planned:
    """The events and deliveries of ``actions`` for one firing."""
    planned = Planned()
    for index, action in enumerate(actions):
        key = f"{firing.trigger.key}.{index}"
        one = replace(firing, trigger=replace(firing.trigger, key=key))
        _plan_one(one, action, targets, planned)
    return planned


def _plan_one(firing: Firing, action: ActionSpec, targets: Targets, planned: Planned) -> None:
    key = firing.trigger.key
    if action.type in ("webhook", "chat"):
        _plan_http(firing, action, targets, planned)
    elif action.type == "email":
        _plan_email(firing, action, action.to or "owner", targets, planned)
    elif action.type == "csat_survey":
        _plan_email(
            firing, action, action.to or "customer", targets, planned, template="csat_survey"
        )
    elif action.type == "request_info":
        _plan_email(
            firing, action, action.to or "customer", targets, planned, template="request_info"
        )
        what = ", ".join(action.missing) or "more information"
        planned.events.append(
            _event(
                firing,
                key + ".field",
                "field",
                {"field": "awaiting_customer", "value": list(action.missing) or True},
            )
        )
        _pause(firing, key, True, f"{WAITING}: {what}", planned)
    elif action.type in ("pause", "resume"):
        _pause(firing, key, action.type == "pause", _reason(firing), planned)
    else:
        data = _internal_data(firing, action, targets.directory)
        if data is None:
            planned.notes.append(f"{action.type} to {action.to!r}: nothing to change")
            return
        kind, payload = data
        planned.events.append(_event(firing, key, kind, payload))


def _internal_data(
    firing: Firing, action: ActionSpec, directory: Directory
) -> tuple[str, dict[str, Any]] | None:
    """(event type, data) of a field, status, owner, task or note effect."""
    if action.type == "set_field":
        return "field", {"field": action.field, "value": _value(firing, action.value)}
    if action.type == "set_status":
        return "status", {"status": action.status}
    if action.type == "add_note":
        return "note", {"body": action.body, "author": ACTOR}
    if action.type == "create_task":
        assignee = people(action.to or "team_lead", firing.record, firing.account, directory)
        return "task", {"title": action.title, "assignee": assignee[0] if assignee else None}
    return _reassignment(firing, action.to or "", directory)


def _reassignment(
    firing: Firing, to: str, directory: Directory
) -> tuple[str, dict[str, Any]] | None:
    """``role:NAME`` or ``team:NAME`` hands the record to that queue (no owner); ``team_lead``
    or a person makes them the owner."""
    note = f"{_reason(firing)}: reassigned by caseclock"
    if to.startswith(("role:", "team:")):
        return "owner", {"owner": None, "team": to.split(":", 1)[1], "note": note}
    owners = people(to, firing.record, firing.account, directory)
    if not owners or owners[0] == firing.record.get("owner"):
        return None
    return "owner", {"owner": owners[0], "note": note}


def _pause(firing: Firing, key: str, pause: bool, reason: str, planned: Planned) -> None:
    if firing.milestone is None:
        planned.notes.append("pause and resume act on a milestone; an escalation rule has none")
        return
    change = {"pause": True} if pause else {"resume": True}
    data = {"milestone": firing.milestone.key, **change, "by": ACTOR, "reason": reason}
    planned.events.append(
        _event(firing, key + (".pause" if pause else ".resume"), "override", data)
    )


def _plan_http(firing: Firing, action: ActionSpec, targets: Targets, planned: Planned) -> None:
    name = action.endpoint or (action.channel if action.type == "chat" else None)
    registered = targets.endpoints.get(name or "")
    if registered is None:
        planned.notes.append(f"{action.type}: no endpoint {name!r} registered; skipped")
        return
    if registered != action.type:
        planned.notes.append(f"{action.type}: endpoint {name!r} is a {registered}; skipped")
        return
    if action.type == "webhook":
        document = build_payload(
            firing.trigger, firing.record, firing.milestone, targets.console_url
        )
    else:
        document = chat_message(
            firing.trigger, firing.record, firing.milestone, targets.console_url
        )
    planned.deliveries.append(
        {
            "key": firing.trigger.key,
            "channel": action.type,
            "endpoint": name,
            "url": None,
            "recipients": None,
            "document": document,
        }
    )


def _plan_email(
    firing: Firing,
    action: ActionSpec,
    to: str,
    targets: Targets,
    planned: Planned,
    *,
    template: str | None = None,
) -> None:
    directory = targets.directory
    recipients = addresses(
        people(to, firing.record, firing.account, directory), targets.email_domain, directory
    )
    if not recipients:
        planned.notes.append(f"email to {to!r}: no address known; skipped")
        return
    context = email_context(
        firing.trigger,
        firing.record,
        firing.milestone,
        zone=firing.zone,
        console_url=targets.console_url,
        missing=action.missing,
        handoff=firing.handoff,
    )
    context["survey_link"] = _survey_link(firing, action, targets)
    if action.type == "csat_survey" and context["survey_link"] is None:
        planned.notes.append(f"csat_survey to {to!r}: no survey link can be made; skipped")
        return
    name = template or action.template or DEFAULT_TEMPLATES[firing.trigger.kind]
    try:
        rendered = targets.templates.render(name, context)
    except EmailTemplateError as exc:
        fallback = DEFAULT_TEMPLATES[firing.trigger.kind]
        planned.notes.append(f"{exc}; used the {fallback!r} template")
        rendered = targets.templates.render(fallback, context)
    planned.deliveries.append(
        {
            "key": firing.trigger.key,
            "channel": "email",
            "endpoint": None,
            "url": None,
            "recipients": recipients,
            "document": {"subject": rendered.subject, "text": rendered.text, "html": rendered.html},
        }
    )


def _survey_link(firing: Firing, action: ActionSpec, targets: Targets) -> str | None:
    """The satisfaction survey link of a success email or a ``csat_survey`` action (rating
    the firing's milestone cycle), or None."""
    wanted = action.type == "csat_survey" or firing.trigger.kind is TriggerKind.SUCCESS
    record_id = firing.record.get("id")
    if not wanted or targets.survey is None or not isinstance(record_id, str):
        return None
    milestone = firing.milestone
    return targets.survey.link(
        record_id,
        None if milestone is None else milestone.key,
        None if milestone is None else milestone.cycle,
        key=firing.trigger.key,
        now=firing.trigger.fired_at,
    )


def people(
    to: str,
    record: Mapping[str, Any],
    account: Mapping[str, Any],
    directory: Directory = EMPTY,
) -> list[str]:
    """Who ``to`` names: ``owner``, ``team_lead`` (the directory's leads of the record's team,
    else a ``team_lead`` field), ``team`` (the team's own address), ``collaborators`` (the
    account's), ``customer`` (the record's ``contact_email``), ``role:NAME`` (the directory's
    users with that role on the record's team, else a record or account field) or a fixed
    person or address."""

    def field_of(name: str) -> Any:
        value = record.get(name)
        return account.get(name) if value is None else value

    if to == "owner":
        found: Any = record.get("owner")
    elif to == "team_lead":
        found = directory.team_leads(record.get("team")) or field_of("team_lead")
    elif to == "team":
        found = directory.team_address(record.get("team"))
    elif to == "collaborators":
        found = account.get("collaborators") or record.get("collaborators")
    elif to == "customer":
        found = field_of("contact_email") or field_of("customer_email")
    elif to.startswith("role:"):
        role = to.removeprefix("role:")
        found = directory.with_role(record.get("team"), role) or field_of(role)
    else:
        found = to
    values = found if isinstance(found, list | tuple) else [found]
    return [str(v) for v in values if v]


def addresses(names: Sequence[str], domain: str | None, directory: Directory = EMPTY) -> list[str]:
    """Email addresses of ``names``: as given when they hold an ``@``, the directory's address
    of a handle it knows, else ``name@domain`` when a domain is configured."""
    found = []
    for name in names:
        known = name if "@" in name else directory.address(name)
        if known is None and domain:
            known = f"{name}@{domain}"
        if known is not None:
            found.append(known)
    return list(dict.fromkeys(found))


def _value(firing: Firing, value: Any) -> Any:
    """``completed_at``, ``deadline``, ... read from the milestone; ``now`` is the fire instant."""
    if value == "now":
        return instant(firing.trigger.fired_at)
    if isinstance(value, str) and value in INSTANT_VALUES and firing.milestone is not None:
        found: datetime | None = getattr(firing.milestone, value)
        return None if found is None else instant(found)
    return value


def _reason(firing: Firing) -> str:
    subject = firing.milestone.name if firing.milestone is not None else firing.trigger.rule
    return f"{TITLES[firing.trigger.kind]}: {subject}"


def _event(firing: Firing, key: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": key,
        "record": str(firing.record["id"]),
        "type": kind,
        "at": firing.trigger.fired_at.isoformat(),
        "data": data,
    }
