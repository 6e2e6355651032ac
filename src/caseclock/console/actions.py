"""What the record page's forms do: each writes its events through the ingestion service, as
a helpdesk would through ``POST /events``, so the record's milestones re-evaluate at once.

A form that writes several events (a handover that also sets a flag) writes them in one batch
at one instant; if any is refused, the caller rolls the whole form back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.core.durations import parse_duration
from caseclock.core.policy import Process
from caseclock.core.policy_terms import FieldTerm, fields, manual_completion, statuses
from caseclock.core.provenance import Provenance, Source
from caseclock.errors import ValidationFailed
from caseclock.services.access import Role
from caseclock.services.assignment import active_entitlements
from caseclock.services.evaluation import RecordEvaluator
from caseclock.services.ingest import ingest
from caseclock.services.policy import list_processes, parsed_process
from caseclock.services.records import raise_for
from caseclock.store import limits
from caseclock.store.models import RecordRow

SLA_ACTIONS = ("extend", "shorten", "pause", "resume")
Change = tuple[str, dict[str, Any]]  # (event type, data)


def _send(
    session: Session, user: ConsoleUser, record: RecordRow, changes: list[Change], now: datetime
) -> None:
    user.principal.require(Role.AGENT)
    events = [
        {
            "id": f"console-{uuid.uuid4().hex}",
            "record": record.id,
            "type": kind,
            "at": now.isoformat(),
            "data": data,
        }
        for kind, data in changes
    ]
    provenance = Provenance(Source.CONSOLE, user.principal.actor)
    for result in ingest(session, events, principal=user.principal, provenance=provenance, now=now):
        raise_for(result)


def _text(value: str | None, what: str, path: str, *, limit: int, multiline: bool = False) -> str:
    """``value`` stripped, required, and within the store's limit for such text."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{what} is required", path=path)
    problem = limits.text_problem(text, limit=limit, multiline=multiline)
    if problem is not None:
        raise ValidationFailed(f"{what}: {problem}", path=path)
    return text


def _optional(value: str, what: str, path: str, *, limit: int, multiline: bool = False) -> str:
    return _text(value, what, path, limit=limit, multiline=multiline) if value.strip() else ""


def comment(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    body: str,
    public: bool,
    now: datetime,
) -> None:
    data = {
        "public": public,
        "author_role": "agent",
        "author": user.me,
        "body": _text(body, "a comment", "body", limit=limits.BODY, multiline=True),
    }
    _send(session, user, record, [("comment", data)], now)


def process_of(session: Session, record: RecordRow) -> Process | None:
    """The process version the record keeps (None: no entitlement, no clock)."""
    return RecordEvaluator(session).process(record.process_key, record.process_version)


def assignable_processes(session: Session, record: RecordRow) -> list[tuple[str, str, bool]]:
    """(key, name, entitled) of each process a record without one may be given, those its
    account is entitled to first."""
    entitled = (
        {
            e.process_key
            for e in active_entitlements(
                session, {record.account_id}, record.created_at.date()
            ).get(record.account_id, [])
        }
        if record.account_id
        else set()
    )
    found = [
        (row.key, parsed_process(row).name, row.key in entitled) for row in list_processes(session)
    ]
    return sorted(found, key=lambda p: (not p[2], p[1].lower()))


def status_choices(process: Process | None, record: RecordRow) -> list[str]:
    """The statuses the form offers: the record's own first, then those its process names."""
    named = statuses(process) if process is not None else ()
    current = [record.status] if record.status else []
    return list(dict.fromkeys([*current, *named]))


def change_status(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    process: Process | None,
    status: str,
    now: datetime,
) -> None:
    chosen = (status or "").strip()
    offered = status_choices(process, record)
    if chosen not in offered:
        raise ValidationFailed(f"choose one of {', '.join(offered)}", path="status")
    _send(session, user, record, [("status", {"status": chosen})], now)


def field_terms(process: Process | None) -> tuple[FieldTerm, ...]:
    return fields(process) if process is not None else ()


def current_value(record: RecordRow, name: str) -> object:
    if name == "priority":
        return record.priority
    return (record.fields or {}).get(name)


def _field_changes(
    record: RecordRow, terms: tuple[FieldTerm, ...], submitted: Mapping[str, str]
) -> list[Change]:
    """The events that bring each field of ``terms`` to its submitted value (a flag: ``on``
    when ticked, absent when not); unchanged fields write nothing."""
    changes: list[Change] = []
    for term in terms:
        raw = submitted.get(f"field.{term.name}", "")
        before = current_value(record, term.name)
        if term.flag:
            value: object = True if raw == "on" else None
            if bool(value) != bool(before):
                changes.append(("field", {"field": term.name, "value": value}))
            continue
        text = _optional(raw, term.name.replace("_", " "), f"field.{term.name}", limit=limits.BODY)
        if text == ("" if before is None else str(before)):
            continue
        if term.name == "priority":
            if not text:
                raise ValidationFailed("a priority cannot be cleared", path="field.priority")
            changes.append(("priority", {"priority": text}))
        else:
            changes.append(("field", {"field": term.name, "value": text or None}))
    return changes


def set_fields(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    process: Process | None,
    submitted: Mapping[str, str],
    now: datetime,
) -> int:
    """Write the fields the process reads that the form changed; return how many changed."""
    changes = _field_changes(record, field_terms(process), submitted)
    if changes:
        _send(session, user, record, changes, now)
    return len(changes)


def change_owner(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    process: Process | None,
    owner: str,
    team: str,
    note: str,
    submitted: Mapping[str, str],
    now: datetime,
) -> None:
    """A handoff: the new owner (and team), the warm-handoff note for whoever takes over, and
    the flags the handover sets or clears (an escalation to L2 sets the L2 flag)."""
    data: dict[str, Any] = {"owner": _text(owner, "the new owner", "owner", limit=limits.NAME)}
    if team.strip():
        data["team"] = _text(team, "the team", "team", limit=limits.NAME)
    if note.strip():
        data["note"] = _text(note, "the handoff note", "note", limit=limits.BODY, multiline=True)
    flags = tuple(t for t in field_terms(process) if t.flag)
    _send(session, user, record, [("owner", data), *_field_changes(record, flags, submitted)], now)


def complete(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    process: Process | None,
    milestone: str,
    now: datetime,
) -> str:
    """Complete a milestone by hand (where its definition allows it): write the field event
    its completion waits for. Return the milestone's name."""
    definition = (
        next((m for m in process.milestones if m.key == milestone), None) if process else None
    )
    done = manual_completion(definition) if definition is not None else None
    if definition is None or done is None:
        raise ValidationFailed("this milestone is completed by what it waits for", path="milestone")
    _send(session, user, record, [("field", {"field": done.field, "value": done.value})], now)
    return definition.title


def change_sla(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    milestone: str,
    action: str,
    amount: str,
    reason: str,
    now: datetime,
) -> None:
    """Extend, shorten, pause or resume one milestone's clock, with who and why."""
    if action not in SLA_ACTIONS:
        raise ValidationFailed(f"choose one of {', '.join(SLA_ACTIONS)}", path="action")
    data: dict[str, Any] = {
        "milestone": _text(milestone, "a milestone", "milestone", limit=limits.FIELD_NAME),
        "by": user.me,
        "reason": _text(reason, "a reason", "reason", limit=limits.REASON, multiline=True),
    }
    if action in ("extend", "shorten"):
        text = _text(amount, "an amount such as 2h or 1bd", "amount", limit=50).replace(" ", "")
        try:
            parse_duration(text)
        except ValueError as exc:
            raise ValidationFailed(str(exc), path="amount") from None
        data[action] = text
    else:
        data[action] = True
    _send(session, user, record, [("override", data)], now)
