"""``request_info``: the customer's answer resumes the clock the request paused.

A ``request_info`` action emails the customer, sets the record's ``awaiting_customer`` field and
pauses its milestone (an override by caseclock, "waiting for the customer: ..."). When a public
customer comment arrives after that pause, ``watch`` (from ingestion's hook) leaves a timer of
kind ``answered`` due now in the escalation timers, so a worker claims the record; the worker
then writes
``resume_events``: at the comment's instant, an override resume for each milestone the requests
paused, and the field cleared. Their ids are derived from the record and the answer, so writing
them twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.provenance import Source
from caseclock.services.effects import ACTOR, KEY_PREFIX, WAITING
from caseclock.store.models import EscalationTimerKind
from caseclock.store.repositories.escalations import EscalationRepository
from caseclock.store.repositories.records import EventRepository, RecordRepository, StoredEvent


def answer(timeline: Sequence[StoredEvent]) -> tuple[datetime, list[str]] | None:
    """When the customer answered caseclock's latest request, and the milestones it paused."""
    pauses = [
        e
        for e in timeline
        if e.type == "override"
        and e.source == Source.WORKER
        and e.data.get("pause")
        and str(e.data.get("reason", "")).startswith(WAITING)
    ]
    if not pauses:
        return None
    since = max(p.occurred_at for p in pauses)
    answers = [
        e.occurred_at
        for e in timeline
        if e.type == "comment"
        and e.data.get("public")
        and e.data.get("author_role") == "customer"
        and e.occurred_at >= since
    ]
    if not answers:
        return None
    return min(answers), sorted({str(p.data["milestone"]) for p in pauses})


def watch(
    session: Session,
    record_ids: set[str],
    *,
    now: datetime,
    records: Mapping[str, Mapping[str, Any]] | None = None,
    timelines: Mapping[str, Sequence[StoredEvent]] | None = None,
) -> bool:
    """Mark records whose customer answered a request as due now; True when any was marked.

    ``records`` (their columns as stored) and ``timelines`` spare reading what the caller has.
    """
    columns = RecordRepository(session).columns(record_ids) if records is None else records
    waiting = {r for r, c in columns.items() if (c.get("fields") or {}).get("awaiting_customer")}
    if not waiting:
        return False
    if timelines is None:
        timelines = EventRepository(session).timelines(waiting)
    repo = EscalationRepository(session)
    existing = repo.answer_timers(waiting)
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[int, datetime, datetime | None]] = []
    for record_id in sorted(waiting):
        found = answer(timelines[record_id])
        if found is None:
            continue
        row = existing.get(record_id)
        if row is None:
            inserts.append(
                {
                    "record_id": record_id,
                    "kind": EscalationTimerKind.ANSWERED.value,
                    "rule": None,
                    "basis": found[0],
                    "due_at": now,
                }
            )
        elif row["basis"] != found[0] or row["due_at"] is None:
            updates.append((row["id"], found[0], now))
    repo.write(inserts, updates, [])
    return bool(inserts or updates)


def resume_events(record_id: str, timeline: Sequence[StoredEvent]) -> list[dict[str, Any]]:
    """The events that end the wait: resume each paused milestone, clear the field."""
    found = answer(timeline)
    if found is None:
        return []
    at, milestones = found
    digest = hashlib.sha256(f"{record_id}\x1f{at.isoformat()}".encode()).hexdigest()[:40]
    key = f"{KEY_PREFIX}answer-{digest}"
    reason = "the customer answered"
    events: list[dict[str, Any]] = [
        {
            "id": f"{key}.{index}",
            "record": record_id,
            "type": "override",
            "at": at.isoformat(),
            "data": {"milestone": m, "resume": True, "by": ACTOR, "reason": reason},
        }
        for index, m in enumerate(milestones)
    ]
    events.append(
        {
            "id": f"{key}.field",
            "record": record_id,
            "type": "field",
            "at": at.isoformat(),
            "data": {"field": "awaiting_customer", "value": None},
        }
    )
    return events
