"""What the record page's forms do: each writes one event through the ingestion service, as
a helpdesk would through ``POST /events``, so the record's milestones re-evaluate at once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.console.auth import ConsoleUser
from caseclock.core.durations import parse_duration
from caseclock.errors import ValidationFailed
from caseclock.services.access import Role
from caseclock.services.ingest import ingest
from caseclock.services.records import raise_for
from caseclock.store.models import RecordRow

SLA_ACTIONS = ("extend", "shorten", "pause", "resume")


def _send(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    kind: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    user.principal.require(Role.AGENT)
    event = {
        "id": f"console-{uuid.uuid4().hex}",
        "record": record.id,
        "type": kind,
        "at": now.isoformat(),
        "data": data,
    }
    raise_for(ingest(session, [event], principal=user.principal, now=now)[0])


def _needed(value: str | None, what: str, path: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{what} is required", path=path)
    return text


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
        "body": _needed(body, "a comment", "body"),
    }
    _send(session, user, record, kind="comment", data=data, now=now)


def change_status(
    session: Session, user: ConsoleUser, record: RecordRow, *, status: str, now: datetime
) -> None:
    _send(
        session,
        user,
        record,
        kind="status",
        data={"status": _needed(status, "a status", "status")},
        now=now,
    )


def change_owner(
    session: Session,
    user: ConsoleUser,
    record: RecordRow,
    *,
    owner: str,
    team: str,
    note: str,
    now: datetime,
) -> None:
    """A handoff: the new owner (and team), with the warm-handoff note for whoever takes over."""
    data: dict[str, Any] = {"owner": _needed(owner, "the new owner", "owner")}
    if team.strip():
        data["team"] = team.strip()
    if note.strip():
        data["note"] = note.strip()
    _send(session, user, record, kind="owner", data=data, now=now)


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
        "milestone": _needed(milestone, "a milestone", "milestone"),
        "by": user.me,
        "reason": _needed(reason, "a reason", "reason"),
    }
    if action in ("extend", "shorten"):
        text = _needed(amount, "an amount such as 2h or 1bd", "amount").replace(" ", "")
        try:
            parse_duration(text)
        except ValueError as exc:
            raise ValidationFailed(str(exc), path="amount") from None
        data[action] = text
    else:
        data[action] = True
    _send(session, user, record, kind="override", data=data, now=now)
