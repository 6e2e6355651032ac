"""Priority suggestions: made by the worker when a record changes, decided by a person.

A suggestion (``core.insights.priority``) stays open until someone accepts it (a ``priority``
event sets the suggested priority) or dismisses it (an internal ``note`` says what was
dismissed and why it was suggested); both are events with the decider's provenance, so the
timeline shows them. A record whose process says ``priority_suggestions: apply`` gets the
priority at once, by the worker, recorded the same way; ``off`` makes none. A suggestion is
never applied otherwise. When the record changes so that the suggestion no longer holds (or
another holds), it is superseded; a suggestion someone dismissed is not made again for the same
priorities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.insights.priority import PrioritySignals, Suggestion, suggest_priority
from caseclock.core.provenance import WORKER, Provenance
from caseclock.errors import Conflict, NotFound
from caseclock.services.access import Principal, Role
from caseclock.services.evaluation import RecordEvaluator
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import Outcome, ingest
from caseclock.store.models import CommentSentimentRow, PrioritySuggestionRow
from caseclock.store.repositories.customers import AccountRepository
from caseclock.store.repositories.insight_state import SuggestionRepository
from caseclock.store.repositories.insights import SentimentRepository
from caseclock.store.repositories.records import RecordRepository

RECENT_COMMENTS = 3  # the customer comments whose urgency cues count
BREACH_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Decision:
    suggestion: PrioritySuggestionRow
    event_id: str


def _signals(
    record: Mapping[str, Any],
    comments: Iterable[CommentSentimentRow],
    renewal: date | None,
    breaches: int,
    today: date,
) -> PrioritySignals:
    recent = list(comments)[-RECENT_COMMENTS:]
    latest = recent[-1] if recent else None
    return PrioritySignals(
        current=record.get("priority"),
        tier=record.get("tier"),
        latest_band=None if latest is None else latest.band,
        latest_drivers=() if latest is None else tuple(str(w) for w, _ in latest.drivers[:2]),
        cues=tuple((str(rule), str(words)) for row in recent for rule, words in row.cues),
        renewal_in_days=None if renewal is None else (renewal - today).days,
        recent_breaches=breaches,
    )


def suggest_for(session: Session, record_ids: Iterable[str], now: datetime) -> int:
    """Work out the open records' suggestions again at ``now`` (after they changed); apply
    them where the process says so. Returns how many suggestions were made."""
    records = RecordRepository(session).columns(record_ids)
    open_records = {r: row for r, row in records.items() if not row.get("is_closed")}
    repository = SuggestionRepository(session)
    if not open_records:
        return 0
    accounts = AccountRepository(session).get_many(
        {row["account_id"] for row in open_records.values() if row.get("account_id")}
    )
    breaches = repository.breaches_since(set(accounts), now - BREACH_WINDOW)
    sentiments = SentimentRepository(session).for_records(open_records)
    evaluator = RecordEvaluator(session)
    standing = repository.open_for(open_records)
    made = 0
    for record_id, record in open_records.items():
        process = evaluator.process(record.get("process_key"), record.get("process_version"))
        mode = (process.priority_suggestions if process is not None else None) or "suggest"
        account = accounts.get(record.get("account_id") or "")
        signals = _signals(
            record,
            sentiments.get(record_id, {}).values(),
            None if account is None else account.renewal_date,
            breaches.get(record.get("account_id") or "", 0),
            now.date(),
        )
        found = None if mode == "off" else suggest_priority(signals)
        before = standing.get(record_id)
        if before is not None and found is not None and before.suggested == found.suggested:
            continue  # still the same suggestion
        if before is not None:
            repository.supersede(record_id, now)
        if found is None or repository.dismissed(record_id, found.suggested, found.current):
            continue
        row = repository.add(_row(record_id, found, now))
        made += 1
        if mode == "apply":
            _apply(session, row, SYSTEM, WORKER, now, state="applied")
    return made


def _row(record_id: str, found: Suggestion, now: datetime) -> PrioritySuggestionRow:
    return PrioritySuggestionRow(
        record_id=record_id,
        current=found.current,
        suggested=found.suggested,
        reasons=list(found.reasons),
        made_at=now,
        state="open",
    )


def _apply(
    session: Session,
    row: PrioritySuggestionRow,
    principal: Principal,
    provenance: Provenance,
    now: datetime,
    *,
    state: str,
) -> str:
    """Record the decision on ``row`` as an event (a priority change, or a note for a
    dismissal) and mark the suggestion; returns the event's id."""
    event_id = f"suggestion-{row.id}-{state}"
    if state == "dismissed":
        body = (
            f"Priority suggestion dismissed: {row.suggested} (from {row.current or 'none'}), "
            f"suggested because {'; '.join(row.reasons)}."
        )
        event = {"type": "note", "data": {"body": body, "author": provenance.actor}}
    else:
        event = {"type": "priority", "data": {"priority": row.suggested}}
    [result] = ingest(
        session,
        [{"id": event_id, "record": row.record_id, "at": now.isoformat(), **event}],
        principal=principal,
        provenance=provenance,
        now=now,
    )
    if result.outcome is Outcome.REJECTED:
        raise Conflict("; ".join(result.errors))
    row.state, row.decided_at, row.decided_by, row.event_id = state, now, provenance.actor, event_id
    return event_id


def decide(
    session: Session,
    suggestion_id: int,
    *,
    record_id: str | None = None,
    accept: bool,
    principal: Principal,
    provenance: Provenance,
    now: datetime,
) -> Decision:
    """Accept or dismiss an open suggestion the principal may see; 404 for one it may not
    see, 409 for one already decided or superseded; agents and up only."""
    principal.require(Role.AGENT)
    repository = SuggestionRepository(session)
    row = repository.get(suggestion_id)
    record = None if row is None else RecordRepository(session).get(row.record_id)
    hidden = record is None or not principal.sees_account(record.account_id)
    if row is None or hidden or (record_id is not None and row.record_id != record_id):
        raise NotFound(f"no priority suggestion {suggestion_id}")
    if row.state != "open":
        raise Conflict(f"priority suggestion {suggestion_id} is {row.state}, not open")
    state = "accepted" if accept else "dismissed"
    event_id = _apply(session, row, principal, provenance, now, state=state)
    return Decision(row, event_id)


def open_suggestions(
    session: Session, record_ids: Iterable[str]
) -> dict[str, PrioritySuggestionRow]:
    """Each record's open suggestion, by record."""
    return SuggestionRepository(session).open_for(record_ids)


def latest_suggestion(session: Session, record_id: str) -> PrioritySuggestionRow | None:
    """The record's newest suggestion, whatever became of it."""
    return SuggestionRepository(session).latest_for(record_id)
